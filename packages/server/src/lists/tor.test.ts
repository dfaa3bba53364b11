import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { KenchiError } from '../errors.js'
import { torExitList } from './tor.js'

const FIXTURE = fileURLToPath(new URL('../../../../test/fixtures/torbulkexitlist.txt', import.meta.url))

let dir: string
let server: Server
let base: string
let responses: Array<{ status: number; body: string }> = []
let requests = 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kenchi-tor-'))
  server = createServer((req, res) => {
    requests++
    const next = responses.shift() ?? { status: 500, body: 'oops' }
    res.writeHead(next.status, { 'content-type': 'text/plain' })
    res.end(next.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('torExitList', () => {
  it('loads the bulk exit list format from a file', async () => {
    const list = await torExitList({ source: FIXTURE, refreshMs: 0 })
    expect(list.kind).toBe('ip')
    expect(list.size).toBe(4)
    expect(list.has('185.220.101.1')).toBe(true)
    expect(list.has('2a0b:f4c2:0::1')).toBe(true)
    expect(list.has('185.220.101.3')).toBe(false)
    expect(list.updatedAt).toBeTypeOf('number')
    list.close()
  })

  it('loads from a URL and keeps the old list when a refresh fails', async () => {
    responses = [{ status: 200, body: '# exits\n203.0.113.10\n203.0.113.11\n' }]
    const errors: unknown[] = []
    const list = await torExitList({ source: `${base}/torbulkexitlist`, refreshMs: 0, onError: (e) => errors.push(e) })
    expect(list.entries()).toEqual(['203.0.113.10', '203.0.113.11'])

    responses = [{ status: 503, body: 'down' }]
    expect(await list.refresh()).toBe(false)
    expect(list.has('203.0.113.10')).toBe(true)
    expect(String(list.lastError)).toContain('503')

    responses = [{ status: 200, body: '<html>maintenance</html>' }]
    expect(await list.refresh()).toBe(false)
    expect(list.has('203.0.113.10')).toBe(true)
    expect(errors).toHaveLength(2)

    responses = [{ status: 200, body: '203.0.113.99\n' }]
    expect(await list.refresh()).toBe(true)
    expect(list.entries()).toEqual(['203.0.113.99'])
    expect(list.lastError).toBeUndefined()
    list.close()
  })

  it('refreshes a file on its timer', async () => {
    const path = join(dir, 'exits.txt')
    await copyFile(FIXTURE, path)
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const list = await torExitList({ source: path, refreshMs: 60_000 })
    expect(list.has('203.0.113.50')).toBe(false)
    await writeFile(path, '203.0.113.50\n')
    vi.advanceTimersByTime(60_000)
    for (let i = 0; i < 100 && !list.has('203.0.113.50'); i++) await new Promise((r) => setTimeout(r, 10))
    expect(list.has('203.0.113.50')).toBe(true)
    expect(list.has('185.220.101.1')).toBe(false)
    list.close()
    await writeFile(path, '203.0.113.51\n')
    vi.advanceTimersByTime(120_000)
    await new Promise((r) => setTimeout(r, 50))
    expect(list.has('203.0.113.51')).toBe(false)
  })

  it('rejects when the first load fails, and validates options', async () => {
    responses = [{ status: 404, body: 'not found' }]
    const before = requests
    await expect(torExitList({ source: `${base}/missing`, refreshMs: 0 })).rejects.toMatchObject({ code: 'CONFIG_LIST' })
    expect(requests).toBe(before + 1)
    await expect(torExitList({ source: join(dir, 'nope.txt') })).rejects.toThrow(KenchiError)
    await expect(torExitList({} as never)).rejects.toThrow(KenchiError)
    await expect(torExitList({ source: FIXTURE, refreshMs: 1000 })).rejects.toThrow(/refreshMs/)
    await expect(torExitList({ source: FIXTURE, timeoutMs: -1 })).rejects.toThrow(/timeoutMs/)
  })
})

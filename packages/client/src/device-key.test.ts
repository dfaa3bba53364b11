import { afterEach, describe, expect, it, vi } from 'vitest'
import { jwkThumbprint } from '@kenchi/protocol'
import { loadDeviceKey } from './device-key.js'

afterEach(() => vi.unstubAllGlobals())

describe('loadDeviceKey', () => {
  it('falls back to a non-extractable key for this page when IndexedDB is missing, and says so', async () => {
    vi.stubGlobal('indexedDB', undefined)
    const key = await loadDeviceKey()
    expect(key.storage).toBe('page')
    expect(key.privateKey.extractable).toBe(false)
    expect(key.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' })
    expect(Object.keys(key.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y'])
    await expect(crypto.subtle.exportKey('jwk', key.privateKey)).rejects.toThrow()
    expect(await jwkThumbprint(key.publicJwk)).toMatch(/^[\w-]{43}$/)
  })

  it('falls back when opening the database fails (storage blocked)', async () => {
    vi.stubGlobal('indexedDB', {
      open() {
        const request: Record<string, unknown> = { error: new Error('blocked') }
        setTimeout(() => (request.onerror as () => void)(), 0)
        return request
      },
    })
    expect((await loadDeviceKey()).storage).toBe('page')
  })
})

// Scale-out: two `kenchi-server serve` processes (the built CLI) on one real Redis. One token
// is accepted exactly once across them; readiness follows the store; SIGTERM drains a write
// that waited for a paused Redis before the process exits. Needs `npm run build:js`.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../../packages/server/src/stores/redis.js'
import { startRedis, type TestRedis } from '../support/redis.js'
import { post, SECRETS, SHOP_ORIGIN, tokenFrom, twoSiteConfig } from './support.js'

const bin = fileURLToPath(new URL('../../packages/server/dist/bin.js', import.meta.url))

interface Running {
  child: ChildProcess
  url: string
  lines: string[]
  exit: Promise<number | null>
}

async function serve(config: string, env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, [bin, 'serve', '--config', config, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = ''
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString()
      let i
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i)
        buffer = buffer.slice(i + 1)
        lines.push(line)
        const entry = JSON.parse(line) as { msg: string; url?: string }
        if (entry.msg === 'listening') resolve(entry.url!)
      }
    })
    void exit.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  return { child, url, lines, exit }
}

let redis: TestRedis
let processes: Running[] = []
let config: string
const env = { ...process.env, KENCHI_REDIS_URL: '' }

beforeAll(async () => {
  redis = await startRedis()
  env.KENCHI_REDIS_URL = redis.url
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-scale-'))
  config = join(dir, 'kenchi.config.json')
  writeFileSync(
    config,
    JSON.stringify({ ...twoSiteConfig({ type: 'redis', url: { env: 'KENCHI_REDIS_URL' } }), logLevel: 'info', shutdownTimeoutMs: 8000 }),
  )
  processes = await Promise.all([serve(config, env), serve(config, env)])
})
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await redis?.stop()
})

describe('two service processes on one Redis', () => {
  it('accept one token exactly once across them', async () => {
    const [a, b] = processes as [Running, Running]
    for (let round = 0; round < 5; round++) {
      const token = await tokenFrom(round % 2 ? a.url : b.url, 'shop', SHOP_ORIGIN)
      const answers = await Promise.all(
        [a, b, a, b].map((p) =>
          post(p.url, '/v1/verify', { token, context: { action: 'login', loginId: 'hanako@example.jp' } }, SECRETS.shop),
        ),
      )
      expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200])
      expect(answers.filter((x) => x.body.decision === 'allow')).toHaveLength(1)
      expect(answers.filter((x) => x.body.reasons[0].code === 'TOKEN_REPLAYED')).toHaveLength(3)
    }
  })

  it('answer /v1/outcome for an event the other process recorded', async () => {
    const [a, b] = processes as [Running, Running]
    const verdict = await post(
      a.url,
      '/v1/verify',
      { token: await tokenFrom(a.url, 'shop', SHOP_ORIGIN), context: { action: 'login', loginId: 'taro@example.jp' } },
      SECRETS.shop,
    )
    expect((await post(b.url, '/v1/outcome', { eventId: verdict.body.eventId, outcome: 'login_succeeded' }, SECRETS.shop)).body).toEqual({
      ok: true,
      status: 'recorded',
    })
  })

  it('drain a write that waited for Redis on SIGTERM, then exit 0', async () => {
    const [a, b] = processes as [Running, Running]
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200)
    const verdict = await post(
      a.url,
      '/v1/verify',
      { token: await tokenFrom(a.url, 'shop', SHOP_ORIGIN), context: { action: 'login', loginId: 'jiro@example.jp' } },
      SECRETS.shop,
    )
    redis.pause()
    try {
      expect((await fetch(`${b.url}/readyz`)).status).toBe(503)
      expect(
        (await post(a.url, '/v1/label', { eventId: verdict.body.eventId, label: 'fraud', comment: 'drained' }, SECRETS.shop)).body,
      ).toEqual({ ok: true, status: 'queued' })
      a.child.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 500))
    } finally {
      redis.resume()
    }
    expect(await a.exit).toBe(0)
    expect(a.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'stopped')).toMatchObject({ pendingWrites: 0 })
    const store = await redisStore({ url: redis.url, prefix: 'kenchi:shop:' })
    try {
      expect((await store.getEvent(verdict.body.eventId))?.label).toMatchObject({ label: 'fraud', comment: 'drained' })
    } finally {
      await store.close()
    }
    b.child.kill('SIGTERM')
    expect(await b.exit).toBe(0)
  })
})

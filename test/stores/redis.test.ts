// What only the Redis store has: the key layout and TTLs, EVALSHA recovery, client
// ownership, bounds, and outages: a killed server, a hung one, one down at startup.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redisStore, type RedisStoreOptions } from '../../packages/server/src/stores/redis.js'
import type { EventRecord, Store } from '../../packages/server/src/stores/types.js'
import { createVerifier, type Verifier } from '../../packages/server/src/verifier.js'
import { startRedis, type TestRedis } from '../support/redis.js'
import { tokenFor } from '../support/tokens.js'
import { callOp, GateClosed, isBatchingStore, type StoreOp } from '../../packages/server/src/stores/batch.js'

const KEY = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } as const
const T = 1_800_000_000_000
const DAY = 86_400_000
const ORIGIN = 'https://shop.example'
const SECRET = 'redis-test-secret-redis-test-secret-0001'

const event = (id: string, at: number, extra: Partial<EventRecord> = {}): EventRecord => ({
  id,
  at,
  action: 'login',
  decision: 'allow',
  score: 0,
  reasons: [],
  mode: 'live',
  ...extra,
})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let server: TestRedis
let admin: Redis
let prefixes = 0
const opened: Store[] = []

async function store(options: RedisStoreOptions = {}): Promise<{ store: Store; prefix: string }> {
  const prefix = options.prefix ?? `t${++prefixes}:`
  const s = await redisStore({ url: options.client ? undefined : server.url, ...options, prefix })
  opened.push(s)
  return { store: s, prefix }
}

beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
})
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close()
})
afterAll(async () => {
  admin?.disconnect()
  await server?.stop()
})

describe('redisStore', () => {
  it('lays keys out as documented, every one with a TTL', async () => {
    const { store: s, prefix } = await store({ deviceRetentionMs: 5 * DAY, eventRetentionMs: 2 * DAY })
    await s.setIfAbsent('nonce:abc', 60_000)
    await s.hit('ip:1', 30_000, T)
    await s.addDistinct('ip-users:1', 'u1', 45_000, T)
    await s.touchDevice('dev1', KEY, T)
    await s.recordEvent(event('ev1', T, { userHash: 'user1', loginHash: 'login1' }))
    await s.updateEvent('ev1', { outcome: { outcome: 'login_failed', at: T } })
    await s.linkUserDevice('user1', 'dev1', T)
    await s.setFlag('ng-ip:x', 90_000)
    const keys = (await admin.keys(`${prefix}*`)).sort()
    expect(keys).toEqual(
      [
        `${prefix}k:nonce:abc`,
        `${prefix}k:ng-ip:x`,
        `${prefix}h:ip:1`,
        `${prefix}d:ip-users:1`,
        `${prefix}dev:dev1`,
        `${prefix}{ev}:e:ev1`,
        `${prefix}{ev}:by-time`,
        `${prefix}{ev}:u:user1`,
        `${prefix}{ev}:u:login1`,
        `${prefix}ud:u:user1`,
        `${prefix}ud:d:dev1`,
      ].sort(),
    )
    const ttl = async (key: string) => admin.pttl(`${prefix}${key}`)
    const near = (value: number, expected: number) => expect(value > expected - 5000 && value <= expected).toBe(true)
    near(await ttl('k:nonce:abc'), 60_000)
    near(await ttl('h:ip:1'), 30_000)
    near(await ttl('d:ip-users:1'), 45_000)
    near(await ttl('dev:dev1'), 5 * DAY)
    near(await ttl('{ev}:e:ev1'), 2 * DAY)
    near(await ttl('{ev}:by-time'), 2 * DAY)
    near(await ttl('{ev}:u:user1'), 2 * DAY)
    near(await ttl('{ev}:u:login1'), 2 * DAY)
    near(await ttl('k:ng-ip:x'), 90_000)
    near(await ttl('ud:u:user1'), 5 * DAY)
    near(await ttl('ud:d:dev1'), 5 * DAY)
  })

  it('keeps a counter alive for its longest window', async () => {
    const { store: s, prefix } = await store()
    await s.hit('h', 60_000, T)
    await s.hit('h', 1000, T + 1)
    expect(await admin.pttl(`${prefix}h:h`)).toBeGreaterThan(50_000)
  })

  it('recovers when Redis has lost its scripts (EVALSHA falls back to EVAL)', async () => {
    const { store: s } = await store()
    expect(await s.hit('h', 60_000, T)).toBe(1)
    await admin.script('FLUSH')
    expect(await s.hit('h', 60_000, T + 1)).toBe(2)
    await admin.script('FLUSH')
    expect((await s.touchDevice('dev', KEY, T)).before).toBeUndefined()
  })

  it('bounds counters, distinct sets and the event index', async () => {
    const { store: s, prefix } = await store({ maxEntriesPerKey: 3, maxEvents: 4 })
    for (let i = 0; i < 5; i++) expect(await s.hit('h', 60_000, T + i)).toBe(Math.min(i + 1, 3))
    for (let i = 0; i < 5; i++) expect(await s.addDistinct('d', `m${i}`, 60_000, T + i)).toBe(Math.min(i + 1, 3))
    for (let i = 0; i < 6; i++) await s.recordEvent(event(`ev${i}`, T + i))
    expect(await admin.zcard(`${prefix}{ev}:by-time`)).toBe(4)
    expect((await s.listEvents()).map((e) => e.id)).toEqual(['ev5', 'ev4', 'ev3', 'ev2'])
  })

  it('skips index entries whose event is gone, and drops them from the index', async () => {
    const { store: s, prefix } = await store()
    for (let i = 0; i < 6; i++) await s.recordEvent(event(`ev${i}`, T + i))
    await admin.del(`${prefix}{ev}:e:ev5`, `${prefix}{ev}:e:ev3`)
    expect((await s.listEvents({ limit: 3 })).map((e) => e.id)).toEqual(['ev4', 'ev2', 'ev1'])
    expect(await admin.zcard(`${prefix}{ev}:by-time`)).toBe(4)
  })

  it('leaves a client the app passed in connected on close', async () => {
    const client = new Redis(server.url)
    try {
      const { store: s } = await store({ client })
      expect(await s.setIfAbsent('x', 1000)).toBe(true)
      await s.close()
      await expect(s.setIfAbsent('y', 1000)).rejects.toThrow(/closed/)
      expect(client.status).toBe('ready')
      expect(await client.ping()).toBe('PONG')
      // A second store on the same client defines its scripts once and works.
      const { store: again } = await store({ client })
      expect(await again.hit('h', 1000, T)).toBe(1)
    } finally {
      client.disconnect()
    }
  })

  it('quits a client it created on close', async () => {
    const { store: s } = await store({ redisOptions: { connectionName: 'kenchi-owned' } })
    const connected = async () => ((await admin.client('LIST')) as string).includes('name=kenchi-owned ')
    expect(await connected()).toBe(true)
    await s.close()
    for (let i = 0; i < 20 && (await connected()); i++) await sleep(50)
    expect(await connected()).toBe(false)
    await expect(s.getDevice('x')).rejects.toThrow()
  })

  it('refuses bad options with CONFIG_STORE', async () => {
    for (const options of [{ prefix: 'a{b}' }, { commandTimeout: 0 }, { maxEvents: -1 }, { url: server.url, client: admin }]) {
      await expect(redisStore({ url: server.url, ...options }), JSON.stringify(Object.keys(options))).rejects.toMatchObject({
        code: 'CONFIG_STORE',
      })
    }
  })
})

/** The scripts run (EVALSHA and EVAL calls) since the server started, from INFO commandstats. */
async function scriptCalls(client: Redis): Promise<number> {
  let calls = 0
  for (const [, n] of (await client.info('commandstats')).matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(n)
  return calls
}

/**
 * The commands clients sent while `run` ran, seen by MONITOR (commands a script runs inside
 * Redis are left out: their source is "lua").
 */
async function sent(run: () => Promise<unknown>): Promise<string[]> {
  const monitor = await admin.monitor()
  const seen: string[] = []
  let marked: () => void = () => {}
  const marker = new Promise<void>((resolve) => (marked = resolve))
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[0]?.toLowerCase() === 'echo' && args[1] === 'end-of-run') marked()
    else if (source !== 'lua') seen.push(args[0]!.toLowerCase())
  })
  try {
    await run()
    await admin.echo('end-of-run')
    await marker
  } finally {
    monitor.disconnect()
  }
  return seen
}

describe('redisStore batch', () => {
  const ten = (i: number): StoreOp[] => [
    { op: 'setIfAbsent', key: `nonce:${i}`, ttlMs: 60_000 },
    { op: 'has', key: `flag:${i}` },
    { op: 'getValue', key: `profile:${i}` },
    { op: 'hit', key: `ip:${i}`, windowMs: 60_000, now: T },
    { op: 'addDistinct', key: `ip-users:${i}`, member: 'u1', windowMs: 60_000, now: T },
    { op: 'countHits', key: `asn:${i}`, windowMs: 60_000, now: T },
    { op: 'touchDevice', id: `dev${i}`, publicKey: KEY, now: T },
    { op: 'linkUserDevice', userHash: `user${i}`, deviceId: `dev${i}`, now: T },
    { op: 'listUserDevices', userHash: `user${i}`, limit: 50 },
    { op: 'setValue', key: `profile:${i}`, value: 'typing', ttlMs: 60_000 },
  ]

  it('sends a batch of ten operations, gate included, as ONE command (one EVALSHA) to a standalone server', async () => {
    const { store: s } = await store()
    if (!isBatchingStore(s)) throw new Error('the Redis store has no batch()')
    await s.batch(ten(0), { gate: true }) // the first call on a connection sends the script itself (EVAL)
    let answers: Awaited<ReturnType<typeof s.batch<StoreOp[]>>> = []
    const scripts = await scriptCalls(admin)
    expect(await sent(async () => (answers = await s.batch(ten(1), { gate: true })))).toEqual(['evalsha'])
    expect((await scriptCalls(admin)) - scripts).toBe(1)
    expect(answers.every((answer) => answer.ok)).toBe(true)
    expect(answers.map((a) => a.ok && a.value).slice(0, 6)).toEqual([true, false, undefined, 1, 1, 0])
    // A replayed nonce: still one command, and nothing after the gate ran.
    let closed: typeof answers = []
    expect(await sent(async () => (closed = await s.batch(ten(1), { gate: true })))).toEqual(['evalsha'])
    expect(closed[0]).toEqual({ ok: true, value: false })
    expect(closed.slice(1).every((a) => !a.ok && a.error instanceof GateClosed)).toBe(true)
    expect(await s.countHits('ip:1', 60_000, T)).toBe(1)
    // The same ten as single calls: eleven commands (linkUserDevice is two scripts).
    for (const op of ten(4)) await callOp(s, op) // sends the single-operation scripts (EVAL) once
    const single = await sent(async () => {
      for (const op of ten(3)) await callOp(s, op)
    })
    expect(single).toHaveLength(11)
  })

  it('answers an operation that fails inside the script with its Redis error, as the single call rejects, and runs the rest', async () => {
    const { store: s, prefix } = await store()
    if (!isBatchingStore(s)) throw new Error('the Redis store has no batch()')
    await admin.set(`${prefix}h:broken`, 'not a sorted set')
    const single = await s.hit('broken', 60_000, T).then(
      () => undefined,
      (error: unknown) => error as Error,
    )
    expect(single?.message).toMatch(/WRONGTYPE/)
    const answers = await s.batch(
      [
        { op: 'setIfAbsent', key: 'nonce:wrongtype', ttlMs: 60_000 },
        { op: 'hit', key: 'broken', windowMs: 60_000, now: T },
        { op: 'hit', key: 'fine', windowMs: 60_000, now: T },
        { op: 'setValue', key: 'after', value: 'written', ttlMs: 60_000 },
      ],
      { gate: true },
    )
    expect(answers[0]).toEqual({ ok: true, value: true })
    expect(answers[1]!.ok).toBe(false)
    expect(String(!answers[1]!.ok && answers[1]!.error)).toMatch(/WRONGTYPE/)
    expect(answers.slice(2)).toEqual([
      { ok: true, value: 1 },
      { ok: true, value: undefined },
    ])
    expect(await s.getValue('after')).toBe('written')
  })

  it('rejects the whole batch when Redis cannot be reached, within timeoutMs', async () => {
    const down = await startRedis()
    const s = await redisStore({ url: down.url, prefix: 'down:', timeoutMs: 200 })
    opened.push(s)
    if (!isBatchingStore(s)) throw new Error('the Redis store has no batch()')
    try {
      down.pause()
      const started = Date.now()
      await expect(s.batch(ten(2), { gate: true })).rejects.toThrow()
      expect(Date.now() - started).toBeLessThan(1000)
    } finally {
      down.resume()
      await down.stop()
    }
  })
})

describe('redisStore outages', () => {
  let outage: TestRedis
  beforeAll(async () => {
    outage = await startRedis()
  })
  afterAll(async () => {
    await outage?.stop()
  })

  async function verifierOn(s: Store, onStoreError?: 'allow' | 'challenge' | 'deny'): Promise<Verifier> {
    return createVerifier({
      keys: [{ id: 'k1', secret: SECRET }],
      origins: [ORIGIN],
      hashSecret: 'hash-secret-hash-secret-hash-secret-0001',
      store: s,
      ...(onStoreError ? { policy: { onStoreError } } : {}),
    })
  }
  async function freshToken(verifier: Verifier): Promise<string> {
    return tokenFor((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
  }
  async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now()
    const value = await run()
    return { value, ms: performance.now() - started }
  }

  it('answers fast under onStoreError while Redis is down, and recovers when it returns', async () => {
    const s = await redisStore({ url: outage.url })
    opened.push(s)
    const verifier = await verifierOn(s, 'deny')
    expect((await verifier.verify(await freshToken(verifier), { action: 'login' })).decision).toBe('allow')

    await outage.stop()
    const during: string[] = []
    for (let i = 0; i < 3; i++) {
      const token = await freshToken(verifier)
      const { value: verdict, ms } = await timed(() => verifier.verify(token, { action: 'login' }))
      expect(ms).toBeLessThan(2000)
      expect(verdict.decision).toBe('deny')
      expect(verdict.reasons[0]?.code).toBe('STORE_UNAVAILABLE')
      during.push(verdict.eventId)
    }
    await expect(s.getEvent('x')).rejects.toThrow()

    await outage.restart()
    // Same store object: the client reconnects by itself.
    let recovered: string | undefined
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const verdict = await verifier.verify(await freshToken(verifier), { action: 'login' })
      if (verdict.decision === 'allow') {
        recovered = verdict.eventId
        break
      }
      await sleep(100)
    }
    expect(recovered).toBeDefined()
    // The verifier queued the events it could not record; once flushed they are all there.
    expect(await verifier.flush()).toBe(0)
    expect(await s.getEvent(recovered!)).toMatchObject({ decision: 'allow' })
    for (const id of during)
      expect(await s.getEvent(id)).toMatchObject({
        decision: 'deny',
        reasons: expect.arrayContaining([expect.objectContaining({ code: 'STORE_UNAVAILABLE' })]),
      })
    verifier.close()
  })

  it('answers within commandTimeout when Redis hangs, and works again when it resumes', async () => {
    const s = await redisStore({ url: outage.url, commandTimeout: 300 })
    opened.push(s)
    const verifier = await verifierOn(s)
    const token = await freshToken(verifier)
    outage.pause()
    try {
      const { value: verdict, ms } = await timed(() => verifier.verify(token, { action: 'login' }))
      expect(ms).toBeLessThan(2000)
      expect(verdict.decision).toBe('challenge') // the default policy
      expect(verdict.reasons[0]?.code).toBe('STORE_UNAVAILABLE')
      const { ms: single } = await timed(() => s.hit('h', 1000, T).catch(() => undefined))
      expect(single).toBeGreaterThanOrEqual(250)
      expect(single).toBeLessThan(1000)
    } finally {
      outage.resume()
    }
    expect((await verifier.verify(await freshToken(verifier), { action: 'login' })).decision).toBe('allow')
    verifier.close()
  })

  it('bounds calls on an app client whose own options would queue them', async () => {
    const client = new Redis(outage.url) // default options: offline queue on, no command timeout
    try {
      const s = await redisStore({ client, commandTimeout: 300 })
      opened.push(s)
      outage.pause()
      try {
        const { ms } = await timed(() =>
          s.setIfAbsent('q', 1000).then(
            () => 'answered',
            () => 'rejected',
          ),
        )
        expect(ms).toBeLessThan(1000)
      } finally {
        outage.resume()
      }
      expect(await s.hit('after', 1000, T)).toBe(1)
    } finally {
      client.disconnect()
    }
  })

  it('starts while Redis is down (bounded wait) and rejects fast until it is up', async () => {
    const down = await startRedis()
    await down.stop()
    try {
      const { value: s, ms } = await timed(() => redisStore({ url: down.url, readyTimeout: 300 }))
      opened.push(s)
      expect(ms).toBeLessThan(1500)
      const { ms: call } = await timed(() => s.setIfAbsent('x', 1000).catch(() => 'rejected'))
      expect(call).toBeLessThan(600)
      await expect(s.setIfAbsent('x', 1000)).rejects.toThrow()
      await down.restart()
      let ok = false
      for (let i = 0; i < 100 && !ok; i++) {
        ok = await s.setIfAbsent(`y${i}`, 1000).then(
          () => true,
          () => false,
        )
        if (!ok) await sleep(100)
      }
      expect(ok).toBe(true)
    } finally {
      await down.stop()
    }
  })
})

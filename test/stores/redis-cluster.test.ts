// The Redis store's batch on a real three-master Redis Cluster (test/support/redis.ts starts
// it with redis-cli --cluster create). The whole conformance suite, batch included, runs on a
// Cluster client in stores.test.ts; this file checks what only a cluster has: one batch whose
// keys span all three nodes, run as the gate's script then one script per hash slot, each
// node receiving its own.
import { createRequire } from 'node:module'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GateClosed, isBatchingStore, runBatch, type StoreOp } from '../../packages/server/src/stores/batch.js'
import { redisStore } from '../../packages/server/src/stores/redis.js'
import type { Store } from '../../packages/server/src/stores/types.js'
import { startRedisCluster, type TestRedisCluster } from '../support/redis.js'

// ioredis's own slot function (CRC16 of the key or its hash tag, mod 16384).
const requireFromIoredis = createRequire(createRequire(import.meta.url).resolve('ioredis'))
const slotOf = requireFromIoredis('cluster-key-slot') as (key: string) => number

const KEY = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } as const
const T = 1_800_000_000_000
const PREFIX = 'span:'

let cluster: TestRedisCluster
let client: Cluster
let nodes: Redis[]
let store: Store

beforeAll(async () => {
  cluster = await startRedisCluster()
  client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })))
  store = await redisStore({ client, prefix: PREFIX })
  nodes = cluster.ports.map((port) => new Redis({ host: '127.0.0.1', port }))
}, 60_000)
afterAll(async () => {
  await store?.close()
  client?.disconnect()
  for (const node of nodes ?? []) node.disconnect()
  await cluster?.stop()
})

/** Scripts (EVALSHA and EVAL calls) each node has run. */
async function scripts(): Promise<number[]> {
  return Promise.all(
    nodes.map(async (node) => {
      let calls = 0
      for (const [, n] of (await node.info('commandstats')).matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(n)
      return calls
    }),
  )
}

/** The node (its port) that serves a key, by the cluster's own slot table. */
async function portOf(key: string): Promise<number> {
  const slot = slotOf(key)
  const table = (await nodes[0]!.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>
  return table.find(([from, to]) => slot >= from && slot <= to)![2][1]
}

// Twenty counters and ten devices: their keys (docs/server.md "Redis key layout") land on every node.
const spanning = (round: number): StoreOp[] => [
  { op: 'setIfAbsent', key: `nonce:${round}`, ttlMs: 60_000 },
  ...Array.from({ length: 20 }, (_, i): StoreOp => ({ op: 'hit', key: `ip:${i}`, windowMs: 60_000, now: T + round })),
  ...Array.from({ length: 10 }, (_, i): StoreOp => ({ op: 'touchDevice', id: `dev${i}`, publicKey: KEY, now: T + round })),
]
const keysAfterGate = (ops: StoreOp[]) =>
  ops.slice(1).map((op) => (op.op === 'hit' ? `${PREFIX}h:${op.key}` : `${PREFIX}dev:${(op as { id: string }).id}`))

describe('redisStore batch on a 3-node Redis Cluster', () => {
  it('runs a batch whose keys span all three nodes: the gate first, then one script per slot on the node that serves it', async () => {
    expect(isBatchingStore(store)).toBe(true)
    const ops = spanning(0)
    const keys = keysAfterGate(ops)
    const ports = await Promise.all(keys.map(portOf))
    expect(new Set(ports)).toEqual(new Set(cluster.ports)) // the batch spans every node
    await runBatch(store, spanning(-1), { gate: true }) // loads the script on each node

    const before = await scripts()
    const answers = await runBatch(store, ops, { gate: true })
    const after = await scripts()

    expect(answers[0]).toEqual({ ok: true, value: true })
    expect(answers.slice(1, 21)).toEqual(Array.from({ length: 20 }, () => ({ ok: true, value: 2 })))
    for (const [i, answer] of answers.slice(21).entries()) {
      expect(answer).toEqual({
        ok: true,
        value: {
          before: { id: `dev${i}`, publicKey: KEY, status: 'waiting', firstSeen: T - 1, lastSeen: T - 1 },
          after: { id: `dev${i}`, publicKey: KEY, status: 'waiting', firstSeen: T - 1, lastSeen: T },
        },
      })
    }
    // Per node: one script per hash slot it serves among the batch's keys, plus the gate's on its node.
    const gatePort = await portOf(`${PREFIX}k:nonce:0`)
    const expected = cluster.ports.map((port) => {
      const slots = new Set(keys.filter((_, i) => ports[i] === port).map(slotOf))
      return slots.size + (port === gatePort ? 1 : 0)
    })
    expect(after.map((n, i) => n - before[i]!)).toEqual(expected)
    expect(expected.every((n) => n > 0)).toBe(true)
  })

  it('behind a replayed nonce sends nothing past the gate: only the gate node runs a script', async () => {
    const ops = spanning(5)
    expect((await runBatch(store, ops, { gate: true }))[0]).toEqual({ ok: true, value: true })
    const before = await scripts()
    const answers = await runBatch(
      store,
      ops.map((op) => (op.op === 'hit' ? { ...op, key: `replay:${op.key}` } : op)),
      { gate: true },
    )
    const after = await scripts()
    expect(answers[0]).toEqual({ ok: true, value: false })
    expect(answers.slice(1).every((a) => !a.ok && a.error instanceof GateClosed)).toBe(true)
    const gatePort = await portOf(`${PREFIX}k:nonce:5`)
    expect(after.map((n, i) => n - before[i]!)).toEqual(cluster.ports.map((port) => (port === gatePort ? 1 : 0)))
    expect(await store.countHits('replay:ip:0', 60_000, T + 5)).toBe(0)
  })

  it('links a user and a device whose keys sit on two different slots, as the single call does', async () => {
    const batched = await runBatch(store, [
      { op: 'linkUserDevice', userHash: 'alice', deviceId: 'phone', now: T },
      { op: 'listDeviceUsers', deviceId: 'phone' },
    ])
    expect(slotOf(`${PREFIX}ud:u:alice`)).not.toBe(slotOf(`${PREFIX}ud:d:phone`))
    const single = await store.linkUserDevice('bob', 'tablet', T)
    expect(batched[0]).toEqual({ ok: true, value: single })
    expect(batched[1]).toEqual({ ok: true, value: [{ userHash: 'alice', deviceId: 'phone', firstSeen: T, lastSeen: T, trusted: false }] })
  })
})

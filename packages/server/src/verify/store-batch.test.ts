// batchUnderGuard on a store without batch(): same answers as runBatch, but operations on one
// key keep the batch's order, and each call has its own time-out.
import { describe, expect, it } from 'vitest'
import { GateClosed, type StoreOp } from '../stores/batch.js'
import { memoryStore } from '../stores/memory.js'
import { batchUnderGuard } from './store-batch.js'
import { storeGuard, StoreTimeout } from './store-call.js'

const NOW = 1_800_000_000_000
const later = <T>(ms: number, value: () => Promise<T>) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), ms))

describe('batchUnderGuard without store batches', () => {
  it('runs operations on one key in order (a counter is hit before it is read), others concurrently', async () => {
    const store = memoryStore({ now: () => NOW })
    const hit = store.hit.bind(store)
    store.hit = (key, windowMs, now) => later(30, () => hit(key, windowMs, now)) // a slow round trip
    const ops: StoreOp[] = [
      { op: 'hit', key: 'vel:a', windowMs: 60_000, now: NOW },
      { op: 'countHits', key: 'vel:a', windowMs: 60_000, now: NOW },
      { op: 'countHits', key: 'vel:b', windowMs: 60_000, now: NOW },
    ]
    const answers = await batchUnderGuard(store, ops, storeGuard(1000))
    expect(answers).toEqual([
      { ok: true, value: 1 },
      { ok: true, value: 1 },
      { ok: true, value: 0 },
    ])
  })

  it('fails only the call that does not answer in time', async () => {
    const store = memoryStore({ now: () => NOW })
    store.has = () => new Promise(() => undefined) // hangs
    const answers = await batchUnderGuard(
      store,
      [
        { op: 'has', key: 'neg:ip' },
        { op: 'hit', key: 'vel:a', windowMs: 60_000, now: NOW },
      ],
      storeGuard(20),
    )
    expect(answers[0]).toMatchObject({ ok: false, error: expect.any(StoreTimeout) })
    expect(answers[1]).toEqual({ ok: true, value: 1 })
  })

  it('runs nothing after a closed gate', async () => {
    const store = memoryStore({ now: () => NOW })
    await store.setIfAbsent('nonce:n', 60_000)
    const answers = await batchUnderGuard(
      store,
      [
        { op: 'setIfAbsent', key: 'nonce:n', ttlMs: 60_000 },
        { op: 'hit', key: 'vel:a', windowMs: 60_000, now: NOW },
      ],
      storeGuard(1000),
      { gate: true },
    )
    expect(answers[0]).toEqual({ ok: true, value: false })
    expect(answers[1]).toMatchObject({ ok: false, error: expect.any(GateClosed) })
    expect(await store.countHits('vel:a', 60_000, NOW)).toBe(0)
  })
})

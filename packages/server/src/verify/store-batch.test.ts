// batchUnderGuard on a store without batch(): same answers as runBatch, but operations on one
// key keep the batch's order, and each call has its own time-out.
import { describe, expect, it, vi } from 'vitest'
import { GateClosed, runBatch, type StoreOp } from '../stores/batch.js'
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

describe('runBatch on the memory store (synchronous operations)', () => {
  const ops: StoreOp[] = [
    { op: 'setIfAbsent', key: 'nonce:s', ttlMs: 60_000 },
    { op: 'hit', key: 'vel:s', windowMs: 60_000, now: NOW },
    { op: 'countHits', key: 'vel:s', windowMs: 60_000, now: NOW },
  ]

  it('runs the whole batch in the turn it is called in, in order, with the same answers', async () => {
    const store = memoryStore({ now: () => NOW })
    const pending = runBatch(store, ops, { gate: true })
    // Started after the batch, before any await: it sees the batch's hit already counted.
    const countedAfter = store.countHits('vel:s', 60_000, NOW)
    expect(await pending).toEqual([
      { ok: true, value: true },
      { ok: true, value: 1 },
      { ok: true, value: 1 },
    ])
    expect(await countedAfter).toBe(1)
    expect(await runBatch(store, ops, { gate: true })).toMatchObject([{ ok: true, value: false }, { ok: false }, { ok: false }])
  })

  it('calls a method a test or wrapper replaced for every operation naming it: on the store, by spyOn, or on a spread copy', async () => {
    const store = memoryStore({ now: () => NOW })
    const spy = vi.spyOn(store, 'countHits')
    expect(await runBatch(store, ops, { gate: true })).toEqual([
      { ok: true, value: true },
      { ok: true, value: 1 },
      { ok: true, value: 1 },
    ])
    expect(spy).toHaveBeenCalledTimes(1)
    spy.mockRestore()

    const seen: string[] = []
    const copy = { ...memoryStore({ now: () => NOW }) }
    const wrapped = { ...copy, hit: (...args: Parameters<typeof copy.hit>) => (seen.push(args[0]), copy.hit(...args)) }
    expect(await runBatch(wrapped, ops, { gate: true })).toEqual([
      { ok: true, value: true },
      { ok: true, value: 1 },
      { ok: true, value: 1 },
    ])
    expect(seen).toEqual(['vel:s'])

    const failing = memoryStore({ now: () => NOW })
    failing.hit = () => Promise.reject(new Error('down'))
    expect(await runBatch(failing, ops)).toMatchObject([{ ok: true, value: true }, { ok: false }, { ok: true, value: 0 }])
  })
})

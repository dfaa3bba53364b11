import { describe, expect, it } from 'vitest'
import { StoreTimeout, storeGuard } from './store-call.js'

const refedTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
const never = () => new Promise<never>(() => {})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('storeGuard', () => {
  it('passes answers and errors through, and a synchronous throw rejects', async () => {
    const guard = storeGuard(200)
    expect(await guard(async () => 7)).toBe(7)
    await expect(guard(() => Promise.reject(new Error('down')))).rejects.toThrow('down')
    await expect(
      guard(() => {
        throw new Error('thrown')
      }),
    ).rejects.toThrow('thrown')
    expect(guard.waiting).toBe(0)
    guard.close()
  })

  it('fails each hanging call at its own deadline with StoreTimeout, not the others', async () => {
    const guard = storeGuard(60)
    const started = performance.now()
    const first = guard(never).catch((e: unknown) => [e, performance.now() - started] as const)
    await sleep(30)
    const answered = guard(async () => 'ok')
    const second = guard(never).catch((e: unknown) => [e, performance.now() - started] as const)
    expect(await answered).toBe('ok')
    const [e1, t1] = await first
    expect(e1).toBeInstanceOf(StoreTimeout)
    expect((e1 as Error).message).toBe('store did not answer within 60 ms')
    expect(t1).toBeGreaterThanOrEqual(58)
    expect(guard.waiting).toBe(1) // the second call still has its own time
    const [e2, t2] = await second
    expect(e2).toBeInstanceOf(StoreTimeout)
    expect(t2).toBeGreaterThanOrEqual(88)
    expect(guard.waiting).toBe(0)
  })

  it('a call answering after its deadline changes nothing: the time-out stands', async () => {
    const guard = storeGuard(20)
    const late = guard(() => sleep(60).then(() => 'late'))
    await expect(late).rejects.toBeInstanceOf(StoreTimeout)
    await sleep(60)
    expect(guard.waiting).toBe(0)
  })

  it('keeps no timer that holds the process while idle, and close() removes it', async () => {
    const before = refedTimers()
    const guard = storeGuard(300)
    const hanging = guard(never).catch(() => 'timed out')
    expect(refedTimers()).toBe(before + 1) // a waiting call keeps the process alive, as a timer per call did
    for (let i = 0; i < 1000; i++) await guard(async () => i)
    expect(refedTimers()).toBe(before + 1) // one shared timer, not one per call
    guard.close() // a call still waits: its deadline stands
    expect(refedTimers()).toBe(before + 1)
    expect(await hanging).toBe('timed out')
    expect(refedTimers()).toBeLessThan(before + 1) // nothing waits: the timer is gone
    const base = refedTimers()
    const idle = storeGuard(10_000)
    for (let i = 0; i < 100; i++) await idle(async () => i)
    expect(refedTimers()).toBe(base) // idle: its timer is unref'd
    idle.close()
  })
})

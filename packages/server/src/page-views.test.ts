import { describe, expect, it } from 'vitest'
import { KenchiError } from './errors.js'
import { createPageViewLimiter } from './page-views.js'
import { memoryStore } from './stores/memory.js'

describe('page-view limiter', () => {
  it('allows up to max views per window, then blocks for blockMs and reports the block once', async () => {
    let clock = 1_000_000
    const blocks: unknown[] = []
    const store = memoryStore()
    const limiter = createPageViewLimiter({
      store,
      max: 5,
      windowMs: 60_000,
      blockMs: 2_000,
      now: () => clock,
      onBlock: (b) => void blocks.push(b),
    })
    const results = []
    for (let i = 0; i < 8; i++) results.push(await limiter.check('198.51.100.7'))
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false, false])
    expect(results[5]).toEqual({ allowed: false, count: 6, retryAfterMs: 2_000 })
    expect(blocks).toEqual([{ ip: '198.51.100.7', count: 6, until: 1_002_000 }])
    expect((await limiter.check('198.51.100.8')).allowed).toBe(true) // other IPs unaffected
    await new Promise((r) => setTimeout(r, 2_100)) // the block's own TTL runs on the store's clock
    clock += 61_000 // and the window slides past the old views
    expect(await limiter.check('198.51.100.7')).toEqual({ allowed: true, count: 1 })
  })

  it('never limits exempt IPs and validates its options', async () => {
    const limiter = createPageViewLimiter({ store: memoryStore(), max: 1, exemptIps: ['10.0.0.5'] })
    for (let i = 0; i < 5; i++) expect((await limiter.check('10.0.0.5')).allowed).toBe(true)
    expect(() => createPageViewLimiter({ store: memoryStore(), max: 0 })).toThrow(KenchiError)
    expect(() => createPageViewLimiter({ store: memoryStore(), blockMs: 10 })).toThrow(KenchiError)
  })
})

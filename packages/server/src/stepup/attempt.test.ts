import { describe, expect, it } from 'vitest'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import { attemptCounter, newCode, storeGuard, typedCode } from './attempt.js'

describe('one-time codes', () => {
  it('newCode draws digits only, zero-padded to the length', () => {
    for (let i = 0; i < 200; i++) expect(newCode(4)).toMatch(/^\d{4}$/)
    expect(new Set(Array.from({ length: 200 }, () => newCode(10))).size).toBeGreaterThan(190)
  })

  it('typedCode drops spaces and dashes and refuses anything but the right number of digits', () => {
    expect(typedCode(' 123-456 ', 6)).toBe('123456')
    expect(typedCode('12 34', 4)).toBe('1234')
    for (const bad of ['12345', '1234567', '12345a', '１２３４５６', '', undefined, 123456, null, { toString: () => '123456' }])
      expect(typedCode(bad, 6)).toBeUndefined()
  })
})

describe('storeGuard', () => {
  it('turns a store failure into STORE_UNAVAILABLE with its cause, and lets KenchiError and values through', async () => {
    const cause = new Error('connection refused')
    const error = await storeGuard('step-up', async () => {
      throw cause
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KenchiError)
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'step-up: connection refused', cause })
    const own = new KenchiError('CONFIG_STEP_UP', 'x')
    await expect(
      storeGuard('step-up', async () => {
        throw own
      }),
    ).rejects.toBe(own)
    expect(await storeGuard('confirmations', async () => 42)).toBe(42)
  })
})

describe('attemptCounter', () => {
  it('counts before the check: attempts left after each, undefined for one too many; exhausted reads without counting', async () => {
    let t = 1_000_000
    const store = memoryStore({ now: () => t })
    const attempts = attemptCounter(store, 3, 60_000)
    expect(await attempts.exhausted('k', t)).toBe(false)
    expect(await attempts.count('k', t)).toBe(2)
    expect(await attempts.count('k', t)).toBe(1)
    expect(await attempts.exhausted('k', t)).toBe(false)
    expect(await attempts.count('k', t)).toBe(0)
    expect(await attempts.exhausted('k', t)).toBe(true)
    expect(await attempts.exhausted('k', t)).toBe(true)
    expect(await attempts.count('k', t)).toBeUndefined()
    // The window slides: attempts older than windowMs no longer count.
    t += 60_001
    expect(await attempts.exhausted('k', t)).toBe(false)
    expect(await attempts.count('k', t)).toBe(2)
  })
})

// The step-up and confirmation keys are a storage format: state written by an earlier
// version (a code sent before an upgrade, a used TOTP step, a rate-limit counter) must still
// be read. These literals are the strings the code wrote before the builders existed.
import { describe, expect, it } from 'vitest'
import { confirmKeys, stepUpKeys } from './stepup.js'

describe('step-up store keys (su:*)', () => {
  it('build the same strings as before, byte for byte', () => {
    const e = 'f0e1d2c3-0000-4000-8000-123456789abc'
    expect(stepUpKeys.started(e)).toBe(`su:ev:${e}`)
    expect(stepUpKeys.done(e)).toBe(`su:done:${e}`)
    expect(stepUpKeys.failed(e)).toBe(`su:failed:${e}`)
    expect(stepUpKeys.attempts(e)).toBe(`su:try:${e}`)
    expect(stepUpKeys.generations(e)).toBe(`su:gen:${e}`)
    expect(stepUpKeys.cooldown(e)).toBe(`su:cool:${e}`)
    expect(stepUpKeys.live(e, 2)).toBe(`su:live:${e}:2`)
    expect(stepUpKeys.code(e, 3, 'h4sh')).toBe(`su:c:${e}:3:h4sh`)
    expect(stepUpKeys.passkeyChallenge(e, 'h4sh')).toBe(`su:pk:${e}:h4sh`)
    expect(stepUpKeys.totpUsed('u-hash', 58_000_123)).toBe('su:totp:u-hash:58000123')
    expect(stepUpKeys.rateUser('u-hash')).toBe('su:rl:u:u-hash')
    expect(stepUpKeys.rateDevice('dev-1')).toBe('su:rl:d:dev-1')
    expect(stepUpKeys.rateIp('198.51.100.7')).toBe('su:rl:i:198.51.100.7')
    expect(stepUpKeys.rateIp('2001:db8::1')).toBe('su:rl:i:2001:db8::1')
    expect(stepUpKeys.rateAddress('a-hash')).toBe('su:rl:t:a-hash')
  })

  it("give every kind of state its own prefix (no builder can produce another kind's key)", () => {
    const prefixes = Object.values(stepUpKeys).map((build) => (build as (...a: unknown[]) => string)('x', 1, 'y').replace(/x.*$/, ''))
    expect(new Set(prefixes).size).toBe(prefixes.length)
    for (const p of prefixes) expect(p).toMatch(/^su:[a-z:]+:$/)
  })
})

describe('confirmation store keys (cf:*)', () => {
  it('build the same strings as before, byte for byte', () => {
    const r = 'ref-hash_0123456789abcdefghijklmnopqrstuvwxyzAB'
    expect(confirmKeys.done(r)).toBe(`cf:done:${r}`)
    expect(confirmKeys.attempts(r)).toBe(`cf:try:${r}`)
    expect(confirmKeys.generations(r)).toBe(`cf:gen:${r}`)
    expect(confirmKeys.cooldown(r)).toBe(`cf:cool:${r}`)
    expect(confirmKeys.live(r, 1)).toBe(`cf:live:${r}:1`)
    expect(confirmKeys.code(r, 1, 'h4sh')).toBe(`cf:c:${r}:1:h4sh`)
    expect(confirmKeys.rateAddress('a-hash')).toBe('cf:rl:t:a-hash')
    expect(confirmKeys.rateIp('203.0.113.1')).toBe('cf:rl:i:203.0.113.1')
  })
})

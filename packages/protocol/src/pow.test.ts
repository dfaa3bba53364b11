import { describe, expect, it } from 'vitest'
import { checkPow, leadingZeroBits, powHash, solvePow } from './pow.js'

describe('proof of work', () => {
  it('counts leading zero bits', () => {
    expect(leadingZeroBits(new Uint8Array([0x80]))).toBe(0)
    expect(leadingZeroBits(new Uint8Array([0x01]))).toBe(7)
    expect(leadingZeroBits(new Uint8Array([0, 0x10]))).toBe(11)
    expect(leadingZeroBits(new Uint8Array([0, 0]))).toBe(16)
  })

  it('solves and checks a difficulty, and rejects wrong or missing solutions', async () => {
    const nonce = 'AAAAAAAAAAAAAAAAAAAAAA'
    const solution = await solvePow(nonce, 10)
    expect(leadingZeroBits(await powHash(nonce, solution))).toBeGreaterThanOrEqual(10)
    expect(await checkPow(nonce, 10, solution)).toBe(true)
    // The solver returns the smallest solution, so every smaller number fails.
    for (let w = 0; w < Math.min(solution, 50); w++) expect(await checkPow(nonce, 10, w)).toBe(false)
    expect(await checkPow(nonce, 10, undefined)).toBe(false)
    expect(await checkPow(nonce, 10, -1)).toBe(false)
    expect(await checkPow(nonce, 0, undefined)).toBe(true)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(solvePow('AAAAAAAAAAAAAAAAAAAAAA', 24, { signal: controller.signal, batch: 1 })).rejects.toThrow('stop')
  })
})

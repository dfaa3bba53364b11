import { utf8 } from './base64url.js'

/** SHA-256 of `<nonce>.<solution>` as ASCII: the proof-of-work hash. */
export async function powHash(nonce: string, solution: number): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(`${nonce}.${solution}`) as Uint8Array<ArrayBuffer>))
}

/** Number of leading zero bits in a byte string. */
export function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

/** True when `solution` gives a hash with at least `difficulty` leading zero bits. */
export async function checkPow(nonce: string, difficulty: number, solution: number | undefined): Promise<boolean> {
  if (difficulty <= 0) return true
  if (solution === undefined || !Number.isSafeInteger(solution) || solution < 0) return false
  return leadingZeroBits(await powHash(nonce, solution)) >= difficulty
}

/**
 * Finds the smallest solution for a difficulty, yielding to the event loop every `batch`
 * hashes so a page stays responsive. Rejects with the signal's reason when aborted.
 */
export async function solvePow(nonce: string, difficulty: number, options: { signal?: AbortSignal; batch?: number } = {}): Promise<number> {
  const batch = options.batch ?? 256
  for (let solution = 0; solution <= 0xffffffff; solution++) {
    if (solution % batch === 0 && solution > 0) {
      options.signal?.throwIfAborted()
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    if (leadingZeroBits(await powHash(nonce, solution)) >= difficulty) return solution
  }
  throw new Error('solvePow: no solution')
}

// Property tests: 100 000 random and mutated tokens through verify(). Nothing may throw,
// nothing may be allowed, and every reason must be a documented code.
import fc from 'fast-check'
import { base64urlEncode, LIMITS, utf8 } from '@kenchi/protocol'
import { createVerifier, memoryStore, REASONS, type Verifier } from '@kenchi/server'
import { beforeAll, describe, expect, it } from 'vitest'
import { newDevice, tokenFor, type TestDevice } from './support/tokens.js'

const ORIGIN = 'https://shop.example'
const CODES = new Set(Object.keys(REASONS))
const VALID_TOKENS = 20
let verifier: Verifier
let valid: string[]
let device: TestDevice

beforeAll(async () => {
  verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'fuzz-secret-fuzz-secret-fuzz-secret-001' }],
    hashSecret: 'fuzz-hash-fuzz-hash-fuzz-hash-fuzz-0001',
    origins: [ORIGIN],
  })
  device = await newDevice()
  valid = []
  for (let i = 0; i < VALID_TOKENS; i++) {
    const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
    valid.push(await tokenFor(challenge, { device }))
  }
})

async function neverAccepted(input: unknown, by: Verifier = verifier): Promise<boolean> {
  const verdict = await by.verify(input, { action: 'login', ip: '198.51.100.1' })
  expect(verdict.decision).not.toBe('allow')
  for (const r of verdict.reasons) expect(CODES.has(r.code), r.code).toBe(true)
  return true
}

const b64 = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength: 200 })

describe('verify() under fuzzing', { timeout: 600_000 }, () => {
  it('random strings and values (30 000)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.tuple(b64, b64).map(([a, b]) => `kt1.${a}.${b}`),
          fc.tuple(b64, b64, b64).map(([a, b, c]) => `${a}.${b}.${c}`),
          fc.anything(),
        ),
        (input) => neverAccepted(input),
      ),
      { numRuns: 30_000 },
    )
  })

  it('random JSON bodies in the right envelope (20 000)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 10 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), async (body, sig) =>
        neverAccepted(`kt1.${base64urlEncode(utf8(JSON.stringify(body)))}.${base64urlEncode(sig)}`),
      ),
      { numRuns: 20_000 },
    )
  })

  const mutation = fc.record({
    base: fc.integer({ min: 0, max: VALID_TOKENS - 1 }),
    other: fc.integer({ min: 0, max: VALID_TOKENS - 1 }),
    kind: fc.constantFrom('flip', 'cut', 'splice', 'swap', 'insert', 'repeat'),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 40 }),
    text: fc.string({ maxLength: 40 }),
  })

  function mutate({
    base,
    other,
    kind,
    at,
    len,
    text,
  }: {
    base: number
    other: number
    kind: string
    at: number
    len: number
    text: string
  }): string {
    const t = valid[base]!
    const i = at % t.length
    let mutated: string
    switch (kind) {
      case 'flip':
        mutated = t.slice(0, i) + String.fromCharCode(t.charCodeAt(i) ^ (1 + (len % 31))) + t.slice(i + 1)
        break
      case 'cut':
        mutated = t.slice(0, i) + t.slice(i + len)
        break
      case 'splice':
        mutated = t.slice(0, i) + valid[other]!.slice(i, i + len) + t.slice(i + len)
        break
      case 'swap': {
        const [p, b, s] = t.split('.')
        const [, ob, os] = valid[other]!.split('.')
        mutated = len % 2 === 0 ? `${p}.${b}.${os}` : `${p}.${ob}.${s}`
        break
      }
      case 'insert':
        mutated = t.slice(0, i) + text + t.slice(i)
        break
      default:
        mutated = t + t.slice(0, len) + 'A'.repeat(len % 2 === 0 ? LIMITS.maxTokenBytes : 0)
    }
    return mutated
  }

  it('mutations of valid, already-used tokens: flips, cuts, splices, swaps (30 000)', async () => {
    // Use every valid token once so a mutation cannot win by being the first use.
    const fresh = await createVerifier({
      keys: [{ id: 'k1', secret: 'fuzz-secret-fuzz-secret-fuzz-secret-001' }],
      hashSecret: 'fuzz-hash-fuzz-hash-fuzz-hash-fuzz-0001',
      origins: [ORIGIN],
    })
    for (const token of valid) expect((await fresh.verify(token, { action: 'login' })).decision).toBe('allow')
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => neverAccepted(mutate(m), fresh)),
      { numRuns: 30_000 },
    )
  })

  it('the same mutations with replay protection switched off: the signatures alone hold (20 000)', async () => {
    // A store that forgets every nonce, so each mutation reaches the device-signature check.
    const forgetful = { ...memoryStore(), setIfAbsent: async () => true }
    const exposed = await createVerifier({
      keys: [{ id: 'k1', secret: 'fuzz-secret-fuzz-secret-fuzz-secret-001' }],
      hashSecret: 'fuzz-hash-fuzz-hash-fuzz-hash-fuzz-0001',
      origins: [ORIGIN],
      store: forgetful,
    })
    for (const token of valid) expect((await exposed.verify(token, { action: 'login' })).decision).toBe('allow')
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const mutated = mutate(m)
        // A mutation may, rarely, reproduce a valid token exactly (a swap with itself).
        return valid.includes(mutated) || neverAccepted(mutated, exposed)
      }),
      { numRuns: 20_000 },
    )
  })
})

// Findings 3, 5, 7 and 8: every check that needs no store runs before the first store call
// (so a failing store never skips one, and only a validly signed token with its proof of
// work consumes a nonce); nonces outlive the clock skew between servers; one key has one
// encoding and one signature one form; verify() answers, whatever it is given.
import { checkPow, parseToken, readChallenge, type TokenBody } from '@kenchi/protocol'
import { describe, expect, it } from 'vitest'
import { createVerifier, type Verifier, type VerifierOptions } from '../../packages/server/src/verifier.js'
import { newDevice, tokenFor } from '../support/tokens.js'
import { describeEachStore, sleep } from './stores.js'

const ORIGIN = 'https://shop.example'
const BASE = {
  keys: [{ id: 'k1', secret: 'order-secret-order-secret-order-secret-01' }],
  hashSecret: 'order-hash-order-hash-order-hash-order-h01',
  origins: [ORIGIN],
}
const codes = (v: { reasons: Array<{ code: string }> }) => v.reasons.map((r) => r.code)
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/** The token with its signature replaced by 64 random bytes. */
function junkSignature(token: string): string {
  const [prefix, body] = token.split('.')
  return `${prefix}.${body}.${Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64url')}`
}

/** The same signature in its other form: (r, n − s). */
function flipS(token: string): string {
  const parts = token.split('.')
  const sig = Buffer.from(parts[2]!, 'base64url')
  const s = BigInt('0x' + sig.subarray(32).toString('hex'))
  const flipped = Buffer.concat([sig.subarray(0, 32), Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex')])
  return `${parts[0]}.${parts[1]}.${flipped.toString('base64url')}`
}

/** A proof-of-work answer that does not solve the challenge. */
async function wrongAnswer(challenge: string): Promise<number> {
  const payload = readChallenge(challenge)!
  for (let w = 0; ; w++) if (!(await checkPow(payload.n, payload.pow ?? 0, w))) return w
}

describeEachStore('check order', (open) => {
  async function setup(extra: Partial<VerifierOptions> = {}) {
    const opened = await open()
    const verifier = await createVerifier({ ...BASE, store: opened.store, storeTimeout: 300, ...extra })
    return { ...opened, verifier }
  }

  it('a failing store never skips the signature or the proof of work, even under onStoreError allow', async () => {
    const { verifier, outage } = await setup({ policy: { onStoreError: 'allow', actions: { login: { pow: 6 } } } })
    try {
      const device = await newDevice()
      const signed = async () => tokenFor((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge, { device })
      const junk = junkSignature(await signed())
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      const w = await wrongAnswer(challenge)
      const unsolved = await tokenFor(challenge, { device, edit: (b: TokenBody) => void (b.w = w) })
      const valid = await signed()
      outage.start()
      const a = await verifier.verify(junk, { action: 'login' })
      // (the event itself waits in the write queue: a weight-0 STORE_UNAVAILABLE says so)
      expect([a.decision, codes(a)]).toEqual(['deny', ['DEVICE_SIGNATURE_INVALID', 'STORE_UNAVAILABLE']])
      const b = await verifier.verify(unsolved, { action: 'login' })
      expect([b.decision, codes(b)]).toEqual(['deny', ['POW_INVALID', 'STORE_UNAVAILABLE']])
      // A valid token still gets the store-failure policy: the store is what it needed.
      const c = await verifier.verify(valid, { action: 'login' })
      expect(c.decision).toBe('allow')
      expect(codes(c)).toContain('STORE_UNAVAILABLE')
      outage.end()
    } finally {
      verifier.close()
    }
  })

  it('a forged or expired challenge in a broken body gets its challenge code first, whatever the store does', async () => {
    // Issue 19: the challenge is checked before the body is parsed (protocol.md step 3).
    const { verifier, outage } = await setup({ policy: { onStoreError: 'allow' } })
    const late = await createVerifier({ ...BASE, now: () => Date.now() - 3_600_000 })
    try {
      const device = await newDevice()
      const broken = { device, edit: (b: TokenBody) => void ((b as unknown as Record<string, unknown>).zz = 1) }
      const [p, payload, mac] = (await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge.split('.') as [
        string,
        string,
        string,
      ]
      const forged = await tokenFor(`${p}.${payload}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`, broken)
      const expired = await tokenFor((await late.challenge({ action: 'login', origin: ORIGIN })).challenge, broken)
      const genuine = await tokenFor((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge, broken)
      for (const t of [forged, expired, genuine]) expect(parseToken(t)).toMatchObject({ ok: false, code: 'TOKEN_SCHEMA_INVALID' })
      outage.start()
      const verdicts = [await verifier.verify(forged, { action: 'login' }), await verifier.verify(expired, { action: 'login' })]
      const body = await verifier.verify(genuine, { action: 'login' })
      outage.end()
      expect(verdicts.map((v) => [v.decision, codes(v)[0]])).toEqual([
        ['deny', 'CHALLENGE_FORGED'],
        ['deny', 'TOKEN_EXPIRED'],
      ])
      // A genuine, current challenge in the same broken body: the body's code, as before.
      expect([body.decision, codes(body)[0]]).toEqual(['deny', 'TOKEN_SCHEMA_INVALID'])
    } finally {
      verifier.close()
      late.close()
    }
  })

  it("a junk-signature or unsolved token carrying someone's challenge does not consume their nonce", async () => {
    const { verifier } = await setup({ policy: { actions: { login: { pow: 6 } } } })
    try {
      const victim = await newDevice()
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      const real = await tokenFor(challenge, { device: victim })
      // The attacker saw the challenge (or the token) and sends a forgery first.
      const forged = await verifier.verify(junkSignature(real), { action: 'login' })
      expect(codes(forged)).toEqual(['DEVICE_SIGNATURE_INVALID'])
      const w = await wrongAnswer(challenge)
      const unsolved = await verifier.verify(await tokenFor(challenge, { edit: (b: TokenBody) => void (b.w = w) }), { action: 'login' })
      expect(codes(unsolved)).toEqual(['POW_INVALID'])
      const verdict = await verifier.verify(real, { action: 'login' })
      expect(codes(verdict)).not.toContain('TOKEN_REPLAYED')
      expect(verdict.decision).not.toBe('deny')
      // The valid token consumed it: its replay is refused.
      expect(codes(await verifier.verify(real, { action: 'login' }))).toEqual(['TOKEN_REPLAYED'])
    } finally {
      verifier.close()
    }
  })

  it('a fresh challenge plus a junk or unsolved token leaves no nonce in the store (the table cannot be filled without valid tokens)', async () => {
    const { verifier, raw } = await setup({ policy: { actions: { login: { pow: 6 } } } })
    try {
      for (let i = 0; i < 20; i++) {
        const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
        const n = readChallenge(challenge)!.n
        const w = await wrongAnswer(challenge)
        const forged =
          i % 2 === 0 ? junkSignature(await tokenFor(challenge)) : await tokenFor(challenge, { edit: (b: TokenBody) => void (b.w = w) })
        expect((await verifier.verify(forged, { action: 'login' })).decision).toBe('deny')
        expect(await raw.has(`nonce:${n}`)).toBe(false)
      }
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      await verifier.verify(await tokenFor(challenge), { action: 'login' })
      expect(await raw.has(`nonce:${readChallenge(challenge)!.n}`)).toBe(true)
    } finally {
      verifier.close()
    }
  })

  it('two servers sharing the store, clocks 10 s apart, accept a token once (nonce kept exp + 2 × tolerance)', async () => {
    const { store } = await open()
    let aheadMs = 0
    // Server A runs 10 s ahead of server B; both use the default 30 s tolerance.
    const a = await createVerifier({ ...BASE, store, challengeTtl: 60, now: () => Date.now() + aheadMs })
    const b = await createVerifier({ ...BASE, store, challengeTtl: 60, now: () => Date.now() + aheadMs - 10_000 })
    try {
      const { challenge } = await a.challenge({ action: 'login', origin: ORIGIN })
      const token = await tokenFor(challenge)
      const exp = readChallenge(challenge)!.exp
      // The token reaches A just inside A's tolerance...
      aheadMs = (exp + 30) * 1000 - 500 - Date.now()
      const first = await a.verify(token, { action: 'login' })
      expect(codes(first)).not.toContain('TOKEN_EXPIRED')
      expect(first.decision).not.toBe('deny')
      // ...and its copy reaches B 2 s later, still inside B's tolerance (B is 10 s behind).
      await sleep(2000)
      const second = await b.verify(token, { action: 'login' })
      expect([second.decision, codes(second)]).toEqual(['deny', ['TOKEN_REPLAYED']])
    } finally {
      a.close()
      b.close()
    }
  })
})

describeEachStore(
  'check order with a real Redis outage',
  (open) => {
    it('a frozen, then a killed Redis never skips the signature or the proof of work', async () => {
      const { raw, redis } = await open()
      const verifier = await createVerifier({
        ...BASE,
        store: raw,
        storeTimeout: 200,
        policy: { onStoreError: 'allow', actions: { login: { pow: 6 } } },
      })
      try {
        const tokens = async () => {
          const first = await verifier.challenge({ action: 'login', origin: ORIGIN })
          const second = await verifier.challenge({ action: 'login', origin: ORIGIN })
          const w = await wrongAnswer(second.challenge)
          return {
            junk: junkSignature(await tokenFor(first.challenge)),
            unsolved: await tokenFor(second.challenge, { edit: (b: TokenBody) => void (b.w = w) }),
          }
        }
        for (const outage of ['frozen (SIGSTOP)', 'killed'] as const) {
          const { junk, unsolved } = await tokens()
          if (outage === 'killed') await redis!.stop()
          else redis!.pause()
          const a = await verifier.verify(junk, { action: 'login' })
          const b = await verifier.verify(unsolved, { action: 'login' })
          expect([a.decision, codes(a)[0]], outage).toEqual(['deny', 'DEVICE_SIGNATURE_INVALID'])
          expect([b.decision, codes(b)[0]], outage).toEqual(['deny', 'POW_INVALID'])
          redis!.resume()
        }
      } finally {
        verifier.close()
        await redis!.restart() // the next test gets a running server again
      }
    })
  },
  ['redis'],
)

describe('one key, one device id; one signature, one form', () => {
  it('refuses a key coordinate with non-zero spare bits (another spelling of the same key)', async () => {
    const verifier = await createVerifier(BASE)
    const device = await newDevice()
    const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
    const first = await verifier.verify(await tokenFor(challenge, { device }), { action: 'login' })
    expect(first.decision).toBe('allow')
    // The last of 43 characters carries 4 bits of the key and 2 spare bits: set a spare bit.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const x = device.publicJwk.x
    const respelt = x.slice(0, 42) + alphabet[alphabet.indexOf(x[42]!) ^ 1]!
    expect(Buffer.from(respelt, 'base64url').equals(Buffer.from(x, 'base64url'))).toBe(true)
    const again = await verifier.challenge({ action: 'login', origin: ORIGIN })
    const token = await tokenFor(again.challenge, { device, edit: (b: TokenBody) => void (b.k = { ...b.k, x: respelt }) })
    const verdict = await verifier.verify(token, { action: 'login' })
    expect([verdict.decision, codes(verdict)]).toEqual(['deny', ['TOKEN_SCHEMA_INVALID']])
    verifier.close()
  })

  it('signs low-S and reads a high-S signature as its low-S form (same token, same nonce)', async () => {
    const verifier = await createVerifier(BASE)
    for (let i = 0; i < 8; i++) {
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      const token = await tokenFor(challenge)
      const sig = Buffer.from(token.split('.')[2]!, 'base64url')
      expect(BigInt('0x' + sig.subarray(32).toString('hex')) <= N / 2n, 'createToken emits low S').toBe(true)
      const low = parseToken(token)
      const high = parseToken(flipS(token))
      expect(low.ok && high.ok).toBe(true)
      if (low.ok && high.ok) expect(Buffer.from(high.value.signature).equals(Buffer.from(low.value.signature))).toBe(true)
      const verdict = await verifier.verify(flipS(token), { action: 'login' })
      expect(verdict.decision).toBe('allow')
      expect(codes(await verifier.verify(token, { action: 'login' }))).toEqual(['TOKEN_REPLAYED'])
    }
    verifier.close()
  })
})

describe('verify() never throws', () => {
  it('answers CONTEXT_INVALID (deny) for a context whose getters throw, whatever the policy', async () => {
    const verifier: Verifier = await createVerifier({ ...BASE, policy: { onStoreError: 'allow' } })
    const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
    const token = await tokenFor(challenge)
    const boom = () => {
      throw new Error('boom')
    }
    const contexts: unknown[] = [
      Object.defineProperty({}, 'action', { get: boom }),
      Object.defineProperty({ action: 'login' }, 'ip', { get: boom }),
      { action: 'login', headers: Object.defineProperty({}, 'user-agent', { get: boom }) },
      new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom }),
      // What is thrown cannot even be printed.
      Object.defineProperty({}, 'action', {
        get: () => {
          throw new Proxy({}, { get: boom, getPrototypeOf: boom })
        },
      }),
      Object.defineProperty({}, 'action', {
        get: () => {
          throw Object.create(null)
        },
      }),
    ]
    for (const context of contexts) {
      const verdict = await verifier.verify(token, context as never)
      expect([verdict.decision, codes(verdict)]).toEqual(['deny', ['CONTEXT_INVALID']])
      expect(typeof verdict.eventId).toBe('string')
    }
    // Other hostile or absurd contexts: never a throw, never a pass.
    const odd: unknown[] = [
      null,
      undefined,
      42,
      'login',
      Symbol('x'),
      [],
      () => 'login',
      { action: Symbol('login') },
      { action: 'login', headers: new Proxy({}, { get: boom }) },
      { action: { toString: () => 'login' } },
    ]
    for (const context of odd) {
      const verdict = await verifier.verify(junkSignature(token), context as never)
      expect(verdict.decision, String(typeof context)).toBe('deny')
    }
    // The token's nonce was not spent on those: it still verifies once.
    expect((await verifier.verify(token, { action: 'login' })).decision).toBe('allow')
    verifier.close()
  })
})

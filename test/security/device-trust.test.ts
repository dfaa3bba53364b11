// Issue 14, finding 2: only a signature by a device key proves a device. Stored ids and
// fingerprints are claims a page script or an anti-detect browser can copy: they may raise
// suspicion, never lower it. Real tokens from real device keys, verify() with the default
// rules, outcomes reported as the app would, on the memory, SQLite and Redis stores.
import { randomBytes } from 'node:crypto'
import { createVerifier, type Store, type Verdict } from '@kenchi/server'
import type { SignalResult } from '@kenchi/protocol'
import { expect, it } from 'vitest'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../support/tokens.js'
import { describeOnTrustStores } from './trust-stores.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v

export async function trustShop(store: Store) {
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'trust-secret-trust-secret-trust-secret-00' }],
    hashSecret: 'trust-hash-trust-hash-trust-hash-trust-hash',
    origins: [ORIGIN],
    store,
  })
  async function attempt(
    device: TestDevice,
    action: string,
    context: { ip: string; userId?: string },
    signals?: Record<string, SignalResult>,
    behaviour?: Record<string, number[]>,
  ): Promise<Verdict> {
    const { challenge } = await verifier.challenge({ action, origin: ORIGIN })
    const token = await tokenFor(challenge, {
      device,
      ...(signals ? { signals } : {}),
      ...(behaviour ? { edit: (body) => void (body.b = behaviour) } : {}),
    })
    return verifier.verify(token, { action, userAgent: UA, ...context })
  }
  return { verifier, attempt }
}

const codes = (v: Verdict) => v.reasons.map((r) => r.code)
/** The `ids` signal as the client sends it: the same id found in the cookie, localStorage and IndexedDB. */
const ids = (id: string | null) => ({ v: { c: id, l: id, i: id, n: id ?? randomBytes(16).toString('base64url') }, d: 0 })
const VICTIM_ID = 'VVVVVVVVVVVVVVVVVVVVVV'

describeOnTrustStores('device trust: only the key proves a device', (backend) => {
  it("a fresh key carrying the victim's stored id (a stolen cookie) is challenged: FIRST_USER_DEVICE and STORED_ID_CONFLICT, never USER_DEVICE", async () => {
    const store = await backend.open()
    const { verifier, attempt } = await trustShop(store)
    const user = { ip: '203.0.113.10', userId: 'victim@example.jp' }
    const victim = await newDevice()
    const victimSignals = { ...withOwnFingerprint(humanSignals(), victim), ids: ids(VICTIM_ID) }
    const first = await attempt(victim, 'login', user, victimSignals)
    await verifier.reportOutcome(first.eventId, 'login_succeeded')
    expect(codes(await attempt(victim, 'login', user, victimSignals))).toEqual(['USER_DEVICE'])

    // The attacker has the password and the kenchi_id cookie, but not the device key.
    const attacker = await newDevice()
    const stolen = await attempt(
      attacker,
      'login',
      { ...user, ip: '198.51.100.20' },
      { ...withOwnFingerprint(humanSignals(), attacker), ids: ids(VICTIM_ID) },
    )
    expect(stolen.decision).toBe('challenge')
    expect(codes(stolen)).toEqual(expect.arrayContaining(['FIRST_USER_DEVICE', 'STORED_ID_CONFLICT']))
    expect(codes(stolen)).not.toContain('USER_DEVICE')
    expect(stolen.device).toMatchObject({ known: false, linked: [first.device!.id] })
    expect(stolen.device?.matchedBy).toBeUndefined()
    // Its second try with the same key is still a conflict: the id was the victim's first.
    const again = await attempt(
      attacker,
      'login',
      { ...user, ip: '198.51.100.20' },
      { ...withOwnFingerprint(humanSignals(), attacker), ids: ids(VICTIM_ID) },
    )
    expect(again.decision).toBe('challenge')
    expect(codes(again)).toContain('STORED_ID_CONFLICT')
    // Without an account in the request (a guest checkout) the conflict alone challenges.
    const guest = await attempt(await newDevice(), 'checkout', { ip: '198.51.100.21' }, { ...humanSignals(), ids: ids(VICTIM_ID) })
    expect(guest.decision).toBe('challenge')
    expect(codes(guest)).toContain('STORED_ID_CONFLICT')
    // The victim's own device, which had the id first, is not suspected.
    const owner = await attempt(victim, 'login', user, victimSignals)
    expect(owner.decision).toBe('allow')
    expect(codes(owner)).toEqual(['USER_DEVICE'])
    await store.close()
  })

  it("a fresh key carrying the victim's fingerprint (an anti-detect browser, or an identical phone) is challenged", async () => {
    const store = await backend.open()
    const { verifier, attempt } = await trustShop(store)
    const user = { ip: '203.0.113.11', userId: 'phone-owner@example.jp' }
    const phone = await newDevice()
    // Identical phones of one model: every group hash equal, so the fine hash collides.
    const modelSignals = humanSignals()
    const first = await attempt(phone, 'login', user, { ...modelSignals, ids: ids('PPPPPPPPPPPPPPPPPPPPPP') })
    await verifier.reportOutcome(first.eventId, 'login_succeeded')
    const twin = await newDevice()
    const claimed = await attempt(twin, 'login', user, { ...modelSignals, ids: ids(null) })
    expect(claimed.decision).toBe('challenge')
    expect(codes(claimed)).not.toContain('USER_DEVICE')
    expect(claimed.reasons).toContainEqual({
      code: 'FIRST_USER_DEVICE',
      weight: 45,
      detail: { seenBefore: false, fingerprintMatch: 'fine' },
    })
    await store.close()
  })

  it('a returning customer who cleared storage (or lost the key but kept the cookie) is challenged once, then trusted', async () => {
    const store = await backend.open()
    const { verifier, attempt } = await trustShop(store)
    const user = { ip: '203.0.113.12', userId: 'keiko@example.jp' }
    const old = await newDevice()
    const signals = withOwnFingerprint(humanSignals(), old)
    const first = await attempt(old, 'login', user, { ...signals, ids: ids('KKKKKKKKKKKKKKKKKKKKKK') })
    await verifier.reportOutcome(first.eventId, 'login_succeeded')
    // IndexedDB (and the key with it) was cleared; the cookie survived.
    const rekeyed = await newDevice()
    const once = await attempt(rekeyed, 'login', user, { ...signals, ids: ids('KKKKKKKKKKKKKKKKKKKKKK') })
    expect(once.decision).toBe('challenge') // not deny: the customer can prove themselves
    expect(codes(once)).toEqual(expect.arrayContaining(['FIRST_USER_DEVICE', 'STORED_ID_CONFLICT']))
    await verifier.reportOutcome(once.eventId, 'challenge_passed')
    const then = await attempt(rekeyed, 'login', user, { ...signals, ids: ids('KKKKKKKKKKKKKKKKKKKKKK') })
    expect(then.decision).toBe('allow')
    expect(codes(then)).toEqual(['USER_DEVICE'])
    // Everything cleared: same machine, no stored id. Challenged once, then trusted.
    const cleared = await newDevice()
    const fresh = await attempt(cleared, 'login', user, { ...signals, ids: ids(null) })
    expect(fresh.decision).toBe('challenge')
    expect(codes(fresh)).toEqual(['FIRST_USER_DEVICE'])
    await verifier.reportOutcome(fresh.eventId, 'challenge_passed')
    expect((await attempt(cleared, 'login', user, { ...signals, ids: ids('CCCCCCCCCCCCCCCCCCCCCC') })).decision).toBe('allow')
    await store.close()
  })

  it('a fraud device that re-keyed keeps its fraud suspicion through its stored id and its fingerprint', async () => {
    const store = await backend.open()
    const { verifier, attempt } = await trustShop(store)
    const fraudster = await newDevice()
    const signals = withOwnFingerprint(humanSignals(), fraudster)
    const v = await attempt(fraudster, 'checkout', { ip: '198.51.100.70' }, { ...signals, ids: ids('FFFFFFFFFFFFFFFFFFFFFF') })
    await verifier.label(v.eventId, 'fraud')
    // New key, same cookie: denied, and on every later token of that key too.
    const rekeyed = await newDevice()
    for (let i = 0; i < 2; i++) {
      const again = await attempt(rekeyed, 'checkout', { ip: '192.0.2.71' }, { ...signals, ids: ids('FFFFFFFFFFFFFFFFFFFFFF') })
      expect(again.decision).toBe('deny')
      expect(codes(again)).toContain('NG_DEVICE')
      expect(again.device?.status).toBe('fraud')
    }
    // New key, storage cleared, same fine fingerprint: a doubt (identical phones share it).
    const cleared = await attempt(await newDevice(), 'checkout', { ip: '192.0.2.72' }, { ...signals, ids: ids(null) })
    expect(codes(cleared)).toContain('FRAUD_FINGERPRINT')
    expect(cleared.score).toBeGreaterThan(0)
    // With an account on top, the doubt and the unproven device challenge.
    const owner = await newDevice()
    const u = { ip: '203.0.113.13', userId: 'owner@example.jp' }
    const ok = await attempt(owner, 'login', u)
    await verifier.reportOutcome(ok.eventId, 'login_succeeded')
    const onAccount = await attempt(await newDevice(), 'login', { ...u, ip: '192.0.2.73' }, { ...signals, ids: ids(null) })
    expect(onAccount.decision).toBe('challenge')
    expect(codes(onAccount)).toEqual(expect.arrayContaining(['FIRST_USER_DEVICE', 'FRAUD_FINGERPRINT']))
    await store.close()
  })

  it('a claim never spreads suspicion back to the device that owned the id first', async () => {
    const store = await backend.open()
    const { verifier, attempt } = await trustShop(store)
    const victim = await newDevice()
    const victimSignals = { ...withOwnFingerprint(humanSignals(), victim), ids: ids('OOOOOOOOOOOOOOOOOOOOOO') }
    const mine = await attempt(victim, 'checkout', { ip: '203.0.113.14' }, victimSignals)
    await verifier.reportOutcome(mine.eventId, 'order_accepted')
    // A fraudster copies the victim's cookie and is labelled fraud.
    const thief = await newDevice()
    const stolen = await attempt(
      thief,
      'checkout',
      { ip: '198.51.100.80' },
      { ...withOwnFingerprint(humanSignals(), thief), ids: ids('OOOOOOOOOOOOOOOOOOOOOO') },
    )
    await verifier.label(stolen.eventId, 'fraud')
    const after = await attempt(victim, 'checkout', { ip: '203.0.113.14' }, victimSignals)
    expect(after.decision).toBe('allow')
    expect(codes(after)).not.toContain('NG_DEVICE')
    expect(codes(after)).not.toContain('STORED_ID_CONFLICT')
    // A script that plants a fraud device's stored id in the customer's storage cannot get
    // their proven device blocked: only an unproven key inherits fraud from a claim.
    const fraudIds = {
      v: { c: 'OOOOOOOOOOOOOOOOOOOOOO', l: 'ZZZZZZZZZZZZZZZZZZZZZZ', i: 'OOOOOOOOOOOOOOOOOOOOOO', n: 'OOOOOOOOOOOOOOOOOOOOOO' },
      d: 0,
    }
    const bad = await newDevice()
    const planted = await attempt(
      bad,
      'checkout',
      { ip: '198.51.100.81' },
      { ...withOwnFingerprint(humanSignals(), bad), ids: ids('ZZZZZZZZZZZZZZZZZZZZZZ') },
    )
    await verifier.label(planted.eventId, 'fraud')
    const poisoned = await attempt(victim, 'checkout', { ip: '203.0.113.14' }, { ...victimSignals, ids: fraudIds })
    expect(poisoned.decision).toBe('allow')
    expect(codes(poisoned)).not.toContain('NG_DEVICE')
    await store.close()
  })
})

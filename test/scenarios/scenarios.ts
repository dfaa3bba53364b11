// The attack and customer cases the rule catalogue answers, as a shop would see them:
// real tokens from real device keys, verify() with the default rules, outcomes reported
// as the app would. Run against every store.
import { createVerifier, type Decision, type Store, type Verdict } from '@kenchi/server'
import { describe, expect, it } from 'vitest'
import type { SignalResult } from '@kenchi/protocol'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../support/tokens.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v
const MINUTE = 60_000

async function shop(store: Store) {
  let clock = Date.UTC(2026, 10, 21, 9, 0, 0)
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'scenario-secret-scenario-secret-scenario' }],
    hashSecret: 'scenario-hash-scenario-hash-scenario-hash',
    origins: [ORIGIN],
    store,
    now: () => clock,
  })
  async function attempt(
    device: TestDevice,
    action: string,
    context: { ip: string; userId?: string; email?: string },
    signals?: Record<string, SignalResult>,
  ): Promise<Verdict> {
    const { challenge } = await verifier.challenge({ action, origin: ORIGIN })
    return verifier.verify(await tokenFor(challenge, { device, ...(signals ? { signals } : {}) }), { action, userAgent: UA, ...context })
  }
  return { verifier, attempt, advance: (ms: number) => (clock += ms) }
}

const codes = (v: Verdict) => v.reasons.map((r) => r.code)
const tally = (verdicts: Verdict[]) => {
  const out: Record<Decision, number> = { allow: 0, challenge: 0, deny: 0 }
  for (const v of verdicts) out[v.decision]++
  return out
}

export function describeScenarios(name: string, open: () => Promise<Store>): void {
  describe(`scenarios on the ${name} store`, { timeout: 60_000 }, () => {
    it('credential stuffing from one device over 40 accounts: denied from the fifth account on', async () => {
      const store = await open()
      const { verifier, attempt, advance } = await shop(store)
      const bot = await newDevice()
      const verdicts: Verdict[] = []
      for (let i = 0; i < 40; i++) {
        const v = await attempt(bot, 'login', { ip: '198.51.100.23', userId: `victim${i}@example.jp` })
        verdicts.push(v)
        if (v.decision !== 'deny') await verifier.reportOutcome(v.eventId, 'login_failed')
        advance(3_000)
      }
      expect(verdicts.slice(0, 4).every((v) => v.decision !== 'deny')).toBe(true)
      expect(verdicts.slice(4).every((v) => v.decision === 'deny')).toBe(true)
      expect(codes(verdicts[4]!)).toContain('VELOCITY_DEVICE_USERS')
      expect(codes(verdicts[1]!)).toContain('SAME_DEVICE')
      expect((await store.getDevice(verdicts[0]!.device!.id))?.status).toBe('duplicate')
      await store.close()
    })

    it('slow stuffing from rotating IPs and fresh browsers against one account: always challenged, then denied; the owner is only challenged', async () => {
      const store = await open()
      const { verifier, attempt, advance } = await shop(store)
      const phone = await newDevice()
      const first = await attempt(phone, 'login', { ip: '203.0.113.10', userId: 'hanako@example.jp' })
      expect(first.decision).toBe('allow')
      await verifier.reportOutcome(first.eventId, 'login_succeeded')
      advance(60 * MINUTE)
      const verdicts: Verdict[] = []
      for (let i = 0; i < 12; i++) {
        const v = await attempt(await newDevice(), 'login', { ip: `192.0.2.${10 + i}`, userId: 'hanako@example.jp' })
        verdicts.push(v)
        if (v.decision !== 'deny') await verifier.reportOutcome(v.eventId, 'login_failed')
        advance(10 * MINUTE)
      }
      expect(verdicts.every((v) => v.decision !== 'allow')).toBe(true)
      expect(codes(verdicts[0]!)).toEqual(['FIRST_USER_DEVICE'])
      expect(verdicts.at(-1)!.decision).toBe('deny')
      expect(codes(verdicts.at(-1)!)).toEqual(expect.arrayContaining(['FIRST_USER_DEVICE', 'VELOCITY_USER_IPS']))
      expect(verdicts.some((v) => codes(v).includes('LOGIN_FAILURES'))).toBe(true)
      // The owner, on her own phone, is asked for a second factor during the attack, not refused.
      const owner = await attempt(phone, 'login', { ip: '203.0.113.10', userId: 'hanako@example.jp' })
      expect(owner.decision).toBe('challenge')
      expect(codes(owner)).toContain('USER_DEVICE')
      await store.close()
    })

    it('a new device on a known account is challenged; once the challenge is passed, the next login is allowed', async () => {
      const store = await open()
      const { verifier, attempt, advance } = await shop(store)
      const laptop = await newDevice()
      const phone = await newDevice()
      const user = { ip: '203.0.113.20', userId: 'taro@example.jp' }
      const firstEver = await attempt(laptop, 'login', user)
      expect(firstEver.decision).toBe('allow')
      expect(codes(firstEver)).toEqual(['FIRST_USER'])
      await verifier.reportOutcome(firstEver.eventId, 'login_succeeded')
      advance(86_400_000)
      const known = await attempt(laptop, 'login', user)
      expect(known.decision).toBe('allow')
      expect(known.device?.status).toBe('valid')
      expect(codes(known)).toEqual(['USER_DEVICE'])
      const newPhone = await attempt(phone, 'login', { ...user, ip: '198.51.100.77' })
      expect(newPhone.decision).toBe('challenge')
      expect(codes(newPhone)).toEqual(['FIRST_USER_DEVICE'])
      expect(newPhone.device?.status).toBe('unknown')
      await verifier.reportOutcome(newPhone.eventId, 'challenge_passed')
      advance(MINUTE)
      const next = await attempt(phone, 'login', { ...user, ip: '198.51.100.77' })
      expect(next.decision).toBe('allow')
      expect(codes(next)).toEqual(['USER_DEVICE'])
      expect(next.device?.status).toBe('valid')
      expect((await store.listUserDevices(verifier.hashIdentity('user', 'taro@example.jp'))).every((d) => d.trusted)).toBe(true)
      await store.close()
    })

    it('one device registering 20 accounts for a first-purchase discount: allowed twice, then challenged, then denied', async () => {
      const store = await open()
      const { attempt, advance } = await shop(store)
      const farm = await newDevice()
      const verdicts: Verdict[] = []
      for (let i = 0; i < 20; i++) {
        verdicts.push(await attempt(farm, 'register', { ip: '198.51.100.50', userId: `deal${i}@example.jp`, email: `deal${i}@example.jp` }))
        advance(2 * MINUTE)
      }
      expect(verdicts.slice(0, 2).map((v) => v.decision)).toEqual(['allow', 'allow'])
      expect(verdicts.slice(2, 4).map((v) => v.decision)).toEqual(['challenge', 'challenge'])
      expect(codes(verdicts[2]!)).toContain('VELOCITY_REGISTRATIONS')
      expect(verdicts.slice(4).every((v) => v.decision === 'deny')).toBe(true)
      await store.close()
    })

    it('card testing with 90% declines: denied once the failures are many and the rate high', async () => {
      const store = await open()
      const { verifier, attempt, advance } = await shop(store)
      const tester = await newDevice()
      const verdicts: Verdict[] = []
      for (let i = 0; i < 30; i++) {
        const v = await attempt(tester, 'checkout', { ip: '198.51.100.99', userId: 'mule@example.jp' })
        verdicts.push(v)
        if (v.decision !== 'deny') await verifier.reportOutcome(v.eventId, i % 10 === 9 ? 'order_accepted' : 'order_declined')
        advance(MINUTE)
      }
      expect(verdicts.slice(0, 5).every((v) => v.decision !== 'deny')).toBe(true)
      const firstDeny = verdicts.findIndex((v) => v.decision === 'deny')
      expect(firstDeny).toBeGreaterThan(4)
      expect(firstDeny).toBeLessThan(12)
      expect(codes(verdicts[firstDeny]!)).toContain('CARD_FAILURES')
      expect(verdicts.slice(firstDeny).every((v) => v.decision === 'deny')).toBe(true)
      await store.close()
    })

    it('a shared family device: never denied, marked duplicate, each member allowed once known', async () => {
      const store = await open()
      const { verifier, attempt, advance } = await shop(store)
      const familyPc = await newDevice()
      const verdicts: Verdict[] = []
      for (let day = 0; day < 5; day++) {
        for (const member of ['mother@example.jp', 'father@example.jp', 'son@example.jp']) {
          const v = await attempt(familyPc, 'login', { ip: '203.0.113.30', userId: member })
          verdicts.push(v)
          if (v.decision !== 'deny') await verifier.reportOutcome(v.eventId, 'login_succeeded')
          advance(30 * MINUTE)
        }
        advance(86_400_000)
      }
      expect(tally(verdicts)).toEqual({ allow: 15, challenge: 0, deny: 0 })
      expect(codes(verdicts.at(-1)!)).toEqual(['SAME_DEVICE', 'USER_DEVICE'])
      expect(verdicts.at(-1)!.device?.status).toBe('duplicate')
      await store.close()
    })

    it('a browser that lost its device key is challenged once, whatever stored id or fingerprint it claims, then trusted', async () => {
      // Only the device key proves a device (docs/decisions/0006-device-trust.md): a stored id
      // or a fingerprint can be copied by a page script or an anti-detect browser.
      const store = await open()
      const { verifier, attempt } = await shop(store)
      const user = { ip: '203.0.113.40', userId: 'keiko@example.jp' }
      const ids = (id: string | null, n = id ?? 'BBBBBBBBBBBBBBBBBBBBBB') => ({ v: { c: id, l: id, i: null, n }, d: 0 })
      const old = await newDevice()
      const oldSignals = { ...withOwnFingerprint(humanSignals(), old), ids: ids('AAAAAAAAAAAAAAAAAAAAAA') }
      const first = await attempt(old, 'login', user, oldSignals)
      expect(codes(first)).toEqual(['FIRST_USER']) // a stored id is not another user of the device
      await verifier.reportOutcome(first.eventId, 'login_succeeded')
      // IndexedDB was cleared (new key) but the cookie and localStorage id survived.
      const rekeyed = await newDevice()
      const byId = await attempt(rekeyed, 'login', user, {
        ...withOwnFingerprint(humanSignals(), rekeyed),
        ids: ids('AAAAAAAAAAAAAAAAAAAAAA'),
      })
      expect(byId.device).toMatchObject({ known: false, linked: [first.device!.id] })
      expect(byId.decision).toBe('challenge')
      expect(codes(byId)).toEqual(['STORED_ID_CONFLICT', 'FIRST_USER_DEVICE'])
      await verifier.reportOutcome(byId.eventId, 'challenge_passed')
      expect(
        codes(
          await attempt(rekeyed, 'login', user, { ...withOwnFingerprint(humanSignals(), rekeyed), ids: ids('AAAAAAAAAAAAAAAAAAAAAA') }),
        ),
      ).toEqual(['USER_DEVICE'])
      // Everything was cleared; the fine fingerprint matches, which is reported and proves nothing.
      const cleared = await newDevice()
      const byPrint = await attempt(cleared, 'login', user, { ...oldSignals, ids: ids(null, 'CCCCCCCCCCCCCCCCCCCCCC') })
      expect(byPrint.device?.known).toBe(false)
      expect(byPrint.reasons).toEqual([{ code: 'FIRST_USER_DEVICE', weight: 45, detail: { seenBefore: false, fingerprintMatch: 'fine' } }])
      expect(byPrint.decision).toBe('challenge')
      // Another machine of the same model (same coarse fingerprint): the same.
      const twin = await newDevice()
      const sameModel = await attempt(twin, 'login', user, {
        ...withOwnFingerprint(humanSignals(), twin),
        ids: ids(null, 'DDDDDDDDDDDDDDDDDDDDDD'),
      })
      expect(sameModel.decision).toBe('challenge')
      expect(sameModel.reasons).toContainEqual({
        code: 'FIRST_USER_DEVICE',
        weight: 45,
        detail: { seenBefore: false, fingerprintMatch: 'coarse' },
      })
      await store.close()
    })

    it('a fraud device stays blocked after clearing its key, through its stored id', async () => {
      const store = await open()
      const { verifier, attempt } = await shop(store)
      const ids = { v: { c: 'FFFFFFFFFFFFFFFFFFFFFA', l: null, i: null, n: 'FFFFFFFFFFFFFFFFFFFFFA' }, d: 0 }
      const fraudster = await newDevice()
      const v = await attempt(fraudster, 'checkout', { ip: '198.51.100.70' }, { ...humanSignals(), ids })
      await verifier.label(v.eventId, 'fraud')
      const again = await attempt(await newDevice(), 'checkout', { ip: '192.0.2.71' }, { ...humanSignals(), ids })
      expect(again.device).toMatchObject({ known: false, linked: [v.device!.id], status: 'fraud' })
      expect(again.decision).toBe('deny')
      expect(codes(again)).toContain('NG_DEVICE')
      await store.close()
    })

    it('a label puts the device and the IP on the negative lists', async () => {
      const store = await open()
      const { verifier, attempt } = await shop(store)
      const fraudster = await newDevice()
      const v = await attempt(fraudster, 'checkout', { ip: '198.51.100.66', userId: 'stolen@example.jp' })
      expect(v.decision).toBe('allow')
      await verifier.label(v.eventId, 'fraud', { comment: 'chargeback' })
      const again = await attempt(fraudster, 'login', { ip: '192.0.2.200', userId: 'other@example.jp' })
      expect(again.decision).toBe('deny')
      expect(codes(again)).toContain('NG_DEVICE')
      const sameIp = await attempt(await newDevice(), 'login', { ip: '198.51.100.66', userId: 'someone@example.jp' })
      expect(sameIp.decision).toBe('deny')
      expect(codes(sameIp)).toContain('NEGATIVE_IP')
      await store.close()
    })
  })
}

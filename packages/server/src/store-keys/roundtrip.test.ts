// From each writer of a store key to the rule that reads it, through the real verifier and
// a real store (memory, and a SQLite file): outcomes reported → velocity `failures` limits
// (every dimension, with the success counters behind `minRate`) and attack mode; a `fraud`
// label → NEGATIVE_IP, NG_DEVICE and FRAUD_FINGERPRINT; a trusted login → history's
// `fingerprintMatch`; stored ids → STORED_ID_CONFLICT; request counters → `count` limits by
// every dimension. Writer and reader build each key with one builder from store-keys/, so
// these tests fail if either side spells a key another way.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { SignalResult } from '@kenchi/protocol'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../../../../test/support/tokens.js'
import { deviceClaimsRule } from '../rules/claims.js'
import { historyRule } from '../rules/history.js'
import { negativeRule } from '../rules/negative.js'
import type { Rule } from '../rules/types.js'
import { velocityRule, type Dimension, type VelocityLimit } from '../rules/velocity.js'
import { memoryStore } from '../stores/memory.js'
import { sqliteStore } from '../stores/sqlite.js'
import type { Outcome, Store } from '../stores/types.js'
import { createVerifier, type Verifier } from '../verifier.js'
import type { PolicyPatch } from '../policy.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v
const HOUR = 3_600_000
const DIMENSIONS: Dimension[] = ['site', 'user', 'ip', 'device']

const dir = mkdtempSync(join(tmpdir(), 'kenchi-keys-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

const STORES: Array<{ name: string; open: () => Promise<Store> }> = [
  { name: 'memory', open: async () => memoryStore() },
  { name: 'sqlite file', open: () => sqliteStore({ path: join(dir, `s${++files}.db`) }) },
]

interface Site {
  verifier: Verifier
  /** Verifies a fresh token for `action` from `device` with these request details. */
  attempt(
    device: TestDevice,
    request?: { action?: string; ip?: string; userId?: string; loginId?: string; signals?: Record<string, SignalResult> },
  ): ReturnType<Verifier['verify']>
  tick(ms: number): void
  close(): Promise<void>
}

async function site(open: () => Promise<Store>, rules: Rule[], policy?: PolicyPatch): Promise<Site> {
  const store = await open()
  let now = Date.now()
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'roundtrip-secret-roundtrip-secret-round' }],
    hashSecret: 'roundtrip-hash-roundtrip-hash-roundtrip-h',
    origins: [ORIGIN],
    store,
    rules,
    now: () => now,
    ...(policy ? { policy } : {}),
  })
  return {
    verifier,
    async attempt(device, { action = 'login', ip = '198.51.100.20', userId, loginId, signals } = {}) {
      const challenge = await verifier.challenge({ action, origin: ORIGIN })
      const token = await tokenFor(challenge.challenge, { device, ...(signals ? { signals } : {}) })
      return verifier.verify(token, { action, ip, userAgent: UA, ...(userId ? { userId } : {}), ...(loginId ? { loginId } : {}) })
    },
    tick: (ms) => void (now += ms),
    async close() {
      await verifier.flush()
      verifier.close()
      await store.close()
    },
  }
}

const codes = (v: { reasons: Array<{ code: string }> }) => v.reasons.map((r) => r.code)

for (const { name, open } of STORES) {
  describe(`store keys round trip (${name} store)`, () => {
    for (const { failure, fail, succeed, action } of [
      { failure: 'login-failed', success: 'login-succeeded', fail: 'login_failed', succeed: 'login_succeeded', action: 'login' },
      { failure: 'order-declined', success: 'order-accepted', fail: 'order_declined', succeed: 'order_accepted', action: 'checkout' },
    ] as const) {
      for (const by of DIMENSIONS) {
        it(`${fail} and ${succeed} reports reach a failures limit with minRate by ${by}`, async () => {
          const limit: VelocityLimit = {
            kind: 'failures',
            failure,
            by,
            code: 'LOGIN_FAILURES',
            windowMs: HOUR,
            max: 2,
            minRate: 0.6,
            weight: 50,
          }
          const s = await site(open, [velocityRule({ limits: [limit] })])
          try {
            const device = await newDevice()
            const report = async (outcome: Outcome) => {
              const v = await s.attempt(device, { action, loginId: 'hanako@example.jp' })
              expect(await s.verifier.reportOutcome(v.eventId, outcome)).toBe('recorded')
              return v
            }
            await report(fail)
            expect(codes(await report(fail))).not.toContain('LOGIN_FAILURES')
            // 2 failures, 0 successes: rate 1.
            expect(codes(await report(succeed))).toContain('LOGIN_FAILURES')
            // 2 failures, 1 success: rate 0.67 still reaches 0.6.
            const third = await report(succeed)
            expect(third.reasons).toContainEqual(
              expect.objectContaining({
                code: 'LOGIN_FAILURES',
                detail: expect.objectContaining({ counted: `${failure} per ${by}`, count: 2, rate: 0.67 }),
              }),
            )
            // 2 failures, 2 successes: rate 0.5, under minRate: the success counter was read.
            expect(codes(await s.attempt(device, { action, loginId: 'hanako@example.jp' }))).not.toContain('LOGIN_FAILURES')
          } finally {
            await s.close()
          }
        })
      }
    }

    it('login_failed reports reach attack mode through the site counter', async () => {
      const s = await site(open, [], { attack: { failedLogins: 3, windowMs: 60_000 } })
      try {
        for (let i = 0; i < 3; i++) {
          // Another device, IP and login id each time: only the site-wide counter adds up.
          const v = await s.attempt(await newDevice(), { ip: `203.0.113.${i + 1}`, loginId: `user${i}@example.jp` })
          expect(await s.verifier.reportOutcome(v.eventId, 'login_failed')).toBe('recorded')
        }
        s.tick(3_000)
        expect(await s.verifier.checkAttack()).toMatchObject({ active: true, failedLogins: 3 })
      } finally {
        await s.close()
      }
    })

    it('login attempts reach attack mode through the distinct login ids it records', async () => {
      const s = await site(open, [], { attack: { failedLogins: 1000, distinctUsers: 3, windowMs: 60_000 } })
      try {
        for (let i = 0; i < 3; i++) await s.attempt(await newDevice(), { loginId: `user${i}@example.jp` })
        s.tick(3_000)
        expect(await s.verifier.checkAttack()).toMatchObject({ active: true, distinctUsers: 3 })
      } finally {
        await s.close()
      }
    })

    it('a fraud label reaches NEGATIVE_IP, NG_DEVICE and FRAUD_FINGERPRINT', async () => {
      const s = await site(open, [negativeRule(), deviceClaimsRule()])
      try {
        // Two keys with one fine fingerprint (a fraudster who cleared everything and re-keyed).
        const signals = humanSignals()
        const fraudster = await newDevice()
        const labelled = await s.attempt(fraudster, { ip: '192.0.2.66', signals })
        expect(await s.verifier.label(labelled.eventId, 'fraud')).toBe('recorded')
        expect(codes(await s.attempt(fraudster, { ip: '198.51.100.7', signals }))).toContain('NG_DEVICE')
        expect(codes(await s.attempt(await newDevice(), { ip: '192.0.2.66' }))).toContain('NEGATIVE_IP')
        const rekeyed = await s.attempt(await newDevice(), { ip: '198.51.100.8', signals })
        expect(codes(rekeyed)).toEqual(['FRAUD_FINGERPRINT'])
      } finally {
        await s.close()
      }
    })

    for (const trust of ['login_succeeded', 'label legit'] as const) {
      it(`a device trusted by ${trust} reaches history's fingerprintMatch`, async () => {
        const s = await site(open, [historyRule()])
        try {
          const laptop = await newDevice()
          const signals = withOwnFingerprint(humanSignals(), laptop)
          const first = await s.attempt(laptop, { userId: 'hanako', signals })
          expect(codes(first)).toEqual(['FIRST_USER'])
          if (trust === 'login_succeeded') expect(await s.verifier.reportOutcome(first.eventId, 'login_succeeded')).toBe('recorded')
          else expect(await s.verifier.label(first.eventId, 'legit')).toBe('recorded')
          expect(codes(await s.attempt(laptop, { userId: 'hanako', signals }))).toEqual(['USER_DEVICE'])
          // A new key with the same fine fingerprint: a hint for the console, still a new device.
          const same = await s.attempt(await newDevice(), { userId: 'hanako', signals })
          expect(same.reasons).toContainEqual(
            expect.objectContaining({ code: 'FIRST_USER_DEVICE', detail: expect.objectContaining({ fingerprintMatch: 'fine' }) }),
          )
          // Only the coarse groups in common (another machine of the same model).
          const other = await newDevice()
          const coarse = await s.attempt(other, { userId: 'hanako', signals: withOwnFingerprint(humanSignals(), other) })
          expect(coarse.reasons).toContainEqual(
            expect.objectContaining({ code: 'FIRST_USER_DEVICE', detail: expect.objectContaining({ fingerprintMatch: 'coarse' }) }),
          )
        } finally {
          await s.close()
        }
      })
    }

    it('a stored id written by one device is read as a conflict for another key', async () => {
      const s = await site(open, [deviceClaimsRule()])
      try {
        const ids = { ids: { v: { n: 'AAAAAAAAAAAAAAAAAAAAAA' }, d: 0 } }
        const first = await newDevice()
        const original = await s.attempt(first, { signals: { ...withOwnFingerprint(humanSignals(), first), ...ids } })
        expect(codes(original)).toEqual([])
        const copied = await newDevice()
        const v = await s.attempt(copied, { signals: { ...withOwnFingerprint(humanSignals(), copied), ...ids } })
        expect(codes(v)).toEqual(['STORED_ID_CONFLICT'])
        expect(v.device?.linked).toEqual([original.device?.id])
      } finally {
        await s.close()
      }
    })

    for (const by of DIMENSIONS) {
      it(`requests reach a count limit by ${by}, and distinct limits read what they wrote`, async () => {
        const limits: VelocityLimit[] = [
          { kind: 'count', by, code: 'VELOCITY_REGISTRATIONS', actions: ['register'], windowMs: HOUR, max: 3, weight: 60 },
          ...(by === 'site'
            ? []
            : [
                {
                  kind: 'distinct' as const,
                  by,
                  of: by === 'ip' ? ('device' as const) : ('ip' as const),
                  code: 'VELOCITY_IP_USERS' as const,
                  windowMs: HOUR,
                  max: 3,
                  weight: 60,
                },
              ]),
        ]
        const s = await site(open, [velocityRule({ limits })])
        try {
          const device = await newDevice()
          // By IP: one IP, a new device each time; otherwise one device and user, a new IP each time.
          const request = async (i: number) =>
            s.attempt(by === 'ip' ? await newDevice() : device, {
              action: 'register',
              loginId: 'hanako@example.jp',
              ip: by === 'ip' ? '198.51.100.1' : `198.51.100.${i + 1}`,
            })
          for (let i = 0; i < 2; i++) expect(codes(await request(i))).toEqual([])
          const third = await request(2)
          expect(third.reasons).toContainEqual(
            expect.objectContaining({ code: 'VELOCITY_REGISTRATIONS', detail: expect.objectContaining({ count: 3 }) }),
          )
          if (by !== 'site') expect(codes(third)).toContain('VELOCITY_IP_USERS')
        } finally {
          await s.close()
        }
      })
    }
  })
}

describe('store keys are built only in store-keys/', () => {
  // A store call given an inline key (`store.hit(\`pv:${ip}\`)`, `'f:' + x`) bypasses the
  // builders, and so does a declared read (`readOps.hit(...)`, `{ op: 'hit', key: ... }`); step-up keys are built in store-keys/stepup.ts by the step-up module's owner.
  const src = fileURLToPath(new URL('..', import.meta.url))
  const sources = (readdirSync(src, { recursive: true }) as string[]).filter(
    (f) =>
      f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('store-keys') && !f.startsWith('stores') && !f.startsWith('stepup'),
  )
  const CALL =
    /(?:store|readOps)\.(setIfAbsent|hit|addDistinct|has|setFlag|deleteKey|getValue|setValue|countHits|linkUserDevice|trustUserDevice|listUserDevices|listDeviceUsers)\(([^()\n]*)/g
  const INLINE = /[`'"][a-z][a-z-]*:/
  const OP_KEY = /\b(?:key|deviceId|userHash): *[`'"][a-z][a-z-]*:/

  it('finds the source files', () => expect(sources.length).toBeGreaterThan(50))

  it('no store call outside store-keys/ spells a key inline', () => {
    const found: string[] = []
    for (const file of sources) {
      const lines = readFileSync(join(src, file), 'utf8').split('\n')
      lines.forEach((line, i) => {
        for (const m of line.matchAll(CALL)) if (INLINE.test(m[2]!)) found.push(`${file}:${i + 1}: ${line.trim()}`)
        if (OP_KEY.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`)
      })
    }
    expect(found).toEqual([])
  })
})

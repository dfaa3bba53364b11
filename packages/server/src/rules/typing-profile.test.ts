import { describe, expect, it } from 'vitest'
import type { ParsedToken } from '@kenchi/protocol'
import { encodeKeys, pressesToEvents, rng } from '../../../../bench/behaviour-gen.mjs'
import { KenchiError } from '../errors.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { typingProfileKey } from '../store-keys/typing.js'
import { memoryStore } from '../stores/memory.js'
import { sqliteStore } from '../stores/sqlite.js'
import {
  addToAggregate,
  aggregateDistance,
  memoryTypingProfiles,
  scaledManhattan,
  storeTypingProfiles,
  typingProfileRule,
} from './typing-profile.js'

// A person typing the same password: per-key hold and latency rhythm of their own, with
// log-normal variation from login to login (synthetic; no recorded data).
function person(seed: number) {
  const r = rng(seed)
  const holds = Array.from({ length: 10 }, () => 60 + r() * 80)
  const gaps = Array.from({ length: 9 }, () => 90 + r() * 250)
  return (r2: () => number) => {
    const n = () => Math.exp(0.12 * (r2() + r2() + r2() - 1.5) * 2)
    let t = 1000
    const presses = holds.map((h, i) => {
      if (i > 0) t += gaps[i - 1]! * n()
      return { down: t, hold: h * n(), category: 1 }
    })
    return { k: encodeKeys(pressesToEvents(presses, 2)), x: [t + 300, 0] }
  }
}

const store = memoryStore()
const input = (b: Record<string, number[]>, userHash: string | undefined, action = 'login') => ({
  token: { body: { s: {}, b } } as unknown as ParsedToken,
  context: { action },
  device: { id: 'd', status: 'waiting' as const, known: false },
  clues: { storedIds: [] },
  store,
  now: 0,
  ...(userHash ? { userHash } : {}),
})

describe('typingProfileRule', () => {
  it('has no opinion until the account has enough accepted logins', async () => {
    const rule = typingProfileRule()
    const alice = person(1)
    const r = rng(100)
    for (let i = 0; i < 4; i++) {
      expect(await rule.evaluate(input(alice(r), 'u-alice'))).toEqual([])
      expect(await rule.learn('u-alice', alice(r))).toBe(true)
    }
    expect(await rule.evaluate(input(person(2)(r), 'u-alice'))).toEqual([]) // 4 < 5 samples
  })

  it('passes the owner and flags many other people once learned (a challenge, not proof)', async () => {
    const rule = typingProfileRule()
    const alice = person(3)
    const r = rng(101)
    for (let i = 0; i < 8; i++) await rule.learn('u-alice', alice(r))
    let ownerFlagged = 0
    for (let i = 0; i < 50; i++) if ((await rule.evaluate(input(alice(r), 'u-alice'))).length) ownerFlagged++
    let othersFlagged = 0
    for (let s = 10; s < 60; s++) {
      const reasons = await rule.evaluate(input(person(s)(r), 'u-alice'))
      if (reasons.length) {
        othersFlagged++
        expect(reasons[0]).toMatchObject({ code: 'TYPING_MISMATCH', weight: 40, detail: { samples: 8 } })
      }
    }
    expect(ownerFlagged).toBeLessThanOrEqual(5)
    expect(othersFlagged).toBeGreaterThanOrEqual(20)
  })

  it('ignores other actions, unknown users and typing of another shape', async () => {
    const rule = typingProfileRule()
    const alice = person(4)
    const r = rng(102)
    for (let i = 0; i < 6; i++) await rule.learn('u-alice', alice(r))
    const stranger = person(5)(r)
    expect(await rule.evaluate(input(stranger, 'u-alice', 'checkout'))).toEqual([])
    expect(await rule.evaluate(input(stranger, undefined))).toEqual([])
    const short = { k: encodeKeys(pressesToEvents([0, 1, 2, 3, 4, 5, 6].map((i) => ({ down: 100 + 200 * i, hold: 90, category: 1 })))) }
    expect(await rule.evaluate(input(short, 'u-alice'))).toEqual([])
  })

  it('keeps aggregates only: count, means and squared deviations per signature, at most 3', async () => {
    const profiles = memoryTypingProfiles()
    const rule = typingProfileRule({ profiles })
    const r = rng(103)
    for (let len = 6; len < 11; len++) {
      const presses = Array.from({ length: len }, (_, i) => ({ down: 100 + 180 * i + r() * 40, hold: 70 + r() * 40, category: 1 }))
      await rule.learn('u-bob', { k: encodeKeys(pressesToEvents(presses)) })
    }
    const profile = (await profiles.get('u-bob'))!
    expect(Object.keys(profile.sigs)).toHaveLength(3)
    expect(profile.order).toEqual(['10:9', '9:8', '8:7'])
    expect(Object.keys(profile.sigs['10:9']!)).toEqual(['n', 'mean', 'm2'])
  })

  it('aggregates match a direct computation; scaled Manhattan baseline', () => {
    let a = addToAggregate(undefined, [Math.log(100), Math.log(200)])
    a = addToAggregate(a, [Math.log(110), Math.log(180)])
    expect(a.n).toBe(2)
    expect(a.mean[0]).toBeCloseTo((Math.log(100) + Math.log(110)) / 2, 10)
    expect(aggregateDistance(a, a.mean)).toBe(0)
    expect(
      scaledManhattan(
        [
          [100, 200],
          [120, 220],
        ],
        [110, 210],
      ),
    ).toBe(0)
    expect(
      scaledManhattan(
        [
          [100, 200],
          [120, 220],
        ],
        [130, 210],
      ),
    ).toBe(2)
  })

  it("keeps profiles in an SQLite file: shared by two verifiers' rules, kept across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-typing-'))
    try {
      const path = join(dir, 'kenchi.db')
      const [a, b] = [await sqliteStore({ path }), await sqliteStore({ path })]
      const ruleA = typingProfileRule({ profiles: storeTypingProfiles(a) })
      const ruleB = typingProfileRule({ profiles: storeTypingProfiles(b) })
      const alice = person(7)
      const r = rng(300)
      let learned = 0
      for (let i = 0; i < 8; i++) if (await (i % 2 ? ruleA : ruleB).learn('u-alice', alice(r))) learned++
      const profile = await ruleB.profiles.get('u-alice')
      expect(profile).toEqual(await ruleA.profiles.get('u-alice'))
      // Every accepted login counted once, whichever process learned it (sequential here).
      expect(Object.values(profile!.sigs).reduce((n, agg) => n + agg.n, 0)).toBe(learned)
      expect(learned).toBeGreaterThanOrEqual(6)
      await a.close()
      await b.close()
      const reopened = await sqliteStore({ path })
      const after = typingProfileRule({ profiles: storeTypingProfiles(reopened) })
      let flagged = 0
      for (let s = 70; s < 100; s++) if ((await after.evaluate({ ...input(person(s)(r), 'u-alice'), store: reopened })).length) flagged++
      expect(flagged).toBeGreaterThan(0) // the learned profile came back: strangers are compared against it
      // Something that is not a profile under the key reads as no profile, never a crash.
      await reopened.setValue('typing:u-bob', '{"v":1,"sigs":{"x":{"n":"many"}},"order":[]}', 60_000)
      await reopened.setValue('typing:u-carol', 'not json', 60_000)
      expect(await after.profiles.get('u-bob')).toBeUndefined()
      expect(await after.profiles.get('u-carol')).toBeUndefined()
      expect(await after.evaluate({ ...input(alice(r), 'u-bob'), store: reopened })).toEqual([])
      expect(() => storeTypingProfiles(reopened, { ttlMs: 0 })).toThrow(KenchiError)
      await reopened.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("declares its profile read when profiles live in a store, and uses the batch's answer for the verifier's store", async () => {
    const own = memoryStore()
    const rule = typingProfileRule({ profiles: storeTypingProfiles(own) })
    const alice = person(11)
    const r = rng(500)
    for (let i = 0; i < 6; i++) await rule.learn('u-alice', alice(r))
    const probe = { ...input(person(12)(r), 'u-alice'), store: own }
    const reads = rule.reads!({ ...probe, deviceId: 'd' })
    expect(reads).toEqual([{ op: 'getValue', key: typingProfileKey('u-alice') }])
    const expected = await rule.evaluate(probe) // reads it itself, outside verify()
    const answers = [{ ok: true as const, value: await own.getValue(typingProfileKey('u-alice')) }]
    own.getValue = () => Promise.reject(new Error('not called: the answer came with the batch'))
    expect(await rule.evaluate({ ...probe, answers })).toEqual(expected)
    // No store read declared for in-memory profiles, nor without a user.
    expect(typingProfileRule().reads!({ ...probe, deviceId: 'd' })).toEqual([undefined])
    expect(rule.reads!({ ...input(alice(r), undefined), deviceId: 'd' })).toEqual([undefined])
  })

  it('validates its options', () => {
    expect(() => typingProfileRule({ minSamples: 1 })).toThrow(KenchiError)
    expect(() => typingProfileRule({ threshold: 0 })).toThrow(KenchiError)
    expect(() => typingProfileRule({ weight: 200 })).toThrow(KenchiError)
  })
})

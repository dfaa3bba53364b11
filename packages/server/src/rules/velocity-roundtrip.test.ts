// From each reported outcome to the velocity rule that reads its counter, for every
// dimension a `failures` limit accepts: the counter the outcome writes is the counter the
// rule reads (both build its key with outcomeCounterKey). A `by: 'site'` limit once never
// fired: the writer kept `login-failed:site`, the reader looked up `login-failed:site:all`.
import { describe, expect, it } from 'vitest'
import { humanSignals, newDevice, tokenFor } from '../../../../test/support/tokens.js'
import { createVerifier } from '../verifier.js'
import type { Outcome } from '../stores/types.js'
import { velocityRule, type Dimension } from './velocity.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v
const HOUR = 3_600_000

const FAILURES: Array<{ failure: 'login-failed' | 'order-declined'; outcome: Outcome; action: string }> = [
  { failure: 'login-failed', outcome: 'login_failed', action: 'login' },
  { failure: 'order-declined', outcome: 'order_declined', action: 'checkout' },
]
const DIMENSIONS: Dimension[] = ['site', 'user', 'ip', 'device']

describe('outcome counters, written and read through one key builder', () => {
  for (const { failure, outcome, action } of FAILURES) {
    for (const by of DIMENSIONS) {
      it(`${outcome} reports reach a failures limit by ${by}`, async () => {
        const verifier = await createVerifier({
          keys: [{ id: 'k1', secret: 'velocity-secret-velocity-secret-velocity-1' }],
          hashSecret: 'velocity-hash-velocity-hash-velocity-hash-1',
          origins: [ORIGIN],
          rules: [
            velocityRule({ limits: [{ kind: 'failures', failure, by, code: 'LOGIN_FAILURES', windowMs: HOUR, max: 3, weight: 50 }] }),
          ],
        })
        try {
          // The same user, IP and device every time, so the limit's one dimension is what counts.
          const device = await newDevice()
          const attempt = async () => {
            const challenge = await verifier.challenge({ action, origin: ORIGIN })
            return verifier.verify(await tokenFor(challenge.challenge, { device }), {
              action,
              ip: '198.51.100.20',
              userAgent: UA,
              loginId: 'hanako@example.jp',
            })
          }
          for (let i = 0; i < 3; i++) {
            const v = await attempt()
            expect(
              v.reasons.map((r) => r.code),
              `attempt ${i + 1}`,
            ).not.toContain('LOGIN_FAILURES')
            expect(await verifier.reportOutcome(v.eventId, outcome)).toBe('recorded')
          }
          await verifier.flush()
          const fourth = await attempt()
          expect(fourth.reasons).toContainEqual(
            expect.objectContaining({
              code: 'LOGIN_FAILURES',
              detail: expect.objectContaining({ counted: `${failure} per ${by}`, count: 3 }),
            }),
          )
        } finally {
          verifier.close()
        }
      })
    }
  }
})

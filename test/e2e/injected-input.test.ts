// INJECTED_INPUT in real headed browsers under Xvfb: the same login page, the same
// human-like mouse paths (curved, eased, trembling) and key timings (lognormal holds and
// gaps), played either through the DevTools protocol by three drivers (playwright-core,
// patchright-core, rebrowser-puppeteer-core) or by xdotool as real X11 input into a
// Chromium no driver is attached to. The protocol's input is flagged; the X server's is not.
import { decodeInputClock } from '@kenchi/protocol'
import { INJECTED_INPUT_THRESHOLDS } from '@kenchi/server/rules'
import { inputClockPhase } from '../../packages/server/src/rules/injected-input.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DRIVERS,
  injectedReason,
  launchDriver,
  launchGenuine,
  sessionPlan,
  startLoginSite,
  startXvfb,
} from '../../bench/lib/injected-drive.mjs'

let xvfb: Awaited<ReturnType<typeof startXvfb>>
let site: Awaited<ReturnType<typeof startLoginSite>>

beforeAll(async () => {
  xvfb = await startXvfb()
  site = await startLoginSite()
})

afterAll(async () => {
  await site?.close()
  await xvfb?.stop()
})

/** The input-clock records of the token behind the newest verdict. */
function lastClock() {
  const body = JSON.parse(Buffer.from(site.tokens.at(-1)!.split('.')[1]!, 'base64url').toString('utf8')) as { b?: Record<string, number[]> }
  return decodeInputClock(body.b?.q)
}

const SESSIONS = 2

describe('INJECTED_INPUT, headed Chromium under Xvfb', () => {
  it('real X11 input (xdotool) into an undriven Chromium is not flagged', async () => {
    const genuine = await launchGenuine(site, xvfb.env)
    try {
      for (let i = 0; i < SESSIONS; i++) {
        const verdict = await genuine.session(sessionPlan(1 + i))
        const clock = lastClock()
        const seen = JSON.stringify({ session: i, reasons: verdict.reasons, digits: clock.map((r) => r.digit) })
        // The rule judged it: enough records, and they share one phase.
        expect(clock.length, seen).toBeGreaterThanOrEqual(INJECTED_INPUT_THRESHOLDS.minEvents)
        expect(inputClockPhase(clock).share, seen).toBeGreaterThanOrEqual(INJECTED_INPUT_THRESHOLDS.minPhaseShare)
        expect(injectedReason(verdict), seen).toBeUndefined()
        // Nothing about automation either: no driver is attached.
        expect(
          verdict.reasons.map((r) => r.code),
          seen,
        ).not.toContain('AUTOMATION')
      }
    } finally {
      await genuine.close()
    }
  }, 120_000)

  for (const name of DRIVERS) {
    it(`${name}: protocol-injected input with human paths and key timings is flagged`, async () => {
      const driver = await launchDriver(name, xvfb.env)
      try {
        for (let i = 0; i < SESSIONS; i++) {
          const next = site.nextVerdict(30_000)
          await driver.session(site.url, sessionPlan(100 + i), site.nextReady(30_000))
          const verdict = await next
          expect(lastClock().length).toBeGreaterThanOrEqual(INJECTED_INPUT_THRESHOLDS.minEvents)
          const reason = injectedReason(verdict)
          expect(reason, JSON.stringify(verdict.reasons)).toBeDefined()
          expect(reason!.weight).toBeGreaterThanOrEqual(40)
          expect(verdict.decision).not.toBe('allow')
        }
      } finally {
        await driver.close()
      }
    }, 120_000)
  }
})

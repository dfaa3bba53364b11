import type { SignalResult } from '@kenchi/protocol'
import { automation } from './automation.js'
import { fingerprint } from './fingerprint.js'
import { languages } from './languages.js'
import { screen } from './screen.js'
import { timezone } from './timezone.js'
import { runSignal, type Signal } from './types.js'
import { userAgent } from './userAgent.js'
import { webdriver } from './webdriver.js'

export { runSignal, SIGNAL_ERRORS, UnsupportedError } from './types.js'
export type { Signal } from './types.js'

/** The signals the client collects, in run order: cheap synchronous reads first, FingerprintJS last. */
export const SIGNALS: readonly Signal[] = [webdriver, automation, userAgent, languages, timezone, screen, fingerprint]

/**
 * Runs every signal in order, each wrapped so a failure is recorded rather than thrown,
 * writing each result into `into` as soon as it is ready (so a caller in a hurry can take
 * what is there). Yields to the event loop between signals to keep input responsive.
 */
export async function collectSignals(
  signals: readonly Signal[] = SIGNALS,
  into: Record<string, SignalResult> = {},
): Promise<Record<string, SignalResult>> {
  for (const signal of signals) {
    into[signal.name] = await runSignal(signal)
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  return into
}

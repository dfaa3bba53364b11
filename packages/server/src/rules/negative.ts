import { negativeIpKey } from '../store-keys/negative.js'
import { answered, readOps, withReads } from './reads.js'
import { ruleMode, type Rule, type RuleOptions } from './types.js'

/** How long an IP stays on the negative list after an event from it is labelled fraud. */
export const NEGATIVE_IP_TTL_MS = 30 * 24 * 3600 * 1000

/** The store key that marks an IP negative (built in store-keys/negative.ts). */
export { negativeIpKey }

/**
 * The negative lists that labels build: `NG_DEVICE` (hard) for a device whose status is
 * `fraud` (an event on it was labelled fraud), `NEGATIVE_IP` (hard) for an IP an event
 * labelled fraud came from, for 30 days. Static lists loaded from files are separate rules.
 */
export function negativeRule(options: RuleOptions = {}): Rule {
  return withReads({
    name: 'negative',
    mode: ruleMode('negativeRule', options),
    reads: ({ context }) => [context.ip === undefined ? undefined : readOps.has(negativeIpKey(context.ip))] as const,
    evaluate({ device }, [negativeIp]) {
      const reasons = []
      if (device.status === 'fraud') reasons.push({ code: 'NG_DEVICE' as const, weight: 100, detail: { source: 'label' } })
      if (negativeIp !== undefined && answered(negativeIp)) {
        reasons.push({ code: 'NEGATIVE_IP' as const, weight: 100, detail: { source: 'label' } })
      }
      return reasons
    },
  })
}

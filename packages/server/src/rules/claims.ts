import { fraudFingerprintKey } from '../store-keys/negative.js'
import type { Reason } from '../verdict.js'
import { optionChecks } from '../validate.js'
import { answered, readOps, withReads } from './reads.js'
import { ruleMode, type Rule, type RuleOptions } from './types.js'

/** How long a fine fingerprint stays suspect after an event with it is labelled fraud. */
export const FRAUD_FINGERPRINT_TTL_MS = 30 * 24 * 3600 * 1000

/** The store flag that marks a fine fingerprint as seen on a device labelled fraud (built in store-keys/negative.ts). */
export { fraudFingerprintKey }

export const CLAIMS_WEIGHTS = {
  STORED_ID_CONFLICT: 50,
  FRAUD_FINGERPRINT: 30,
} as const

export interface DeviceClaimsRuleOptions extends RuleOptions {
  /** Weights of the two reasons (0–100, 0 turns one off). */
  weights?: Partial<Record<keyof typeof CLAIMS_WEIGHTS, number>>
}

/**
 * What a token's unsigned claims about its device add (they never subtract: only the
 * device key proves a device, docs/decisions/0006-device-trust.md).
 *
 * - `STORED_ID_CONFLICT` (50: a challenge alone, not a deny with `FIRST_USER_DEVICE`): the
 *   token carries a stored id (`kenchi_id` cookie, localStorage, IndexedDB) that another
 *   device key had before this one (`verdict.device.linked`): a copied cookie, as
 *   account-takeover kits replay, or a browser that lost its key but kept its cookie. Not
 *   raised once the proof is in: when `userId` is given, once this user trusts the device
 *   (a passed challenge); without one, once the device is `valid`. So an honest customer is
 *   challenged once.
 * - `FRAUD_FINGERPRINT` (30: a doubt): a device that has not proven itself (status
 *   `waiting` or `unknown`) whose fine fingerprint was on a device labelled `fraud` in the
 *   last 30 days: a fraudster who cleared everything and re-keyed. Identical machines and phones of one model share fine
 *   fingerprints, so alone it never challenges; with another reason it can.
 */
export function deviceClaimsRule(options: DeviceClaimsRuleOptions = {}): Rule {
  const weights = { ...CLAIMS_WEIGHTS, ...options.weights }
  const check = optionChecks('CONFIG_RULE', 'deviceClaimsRule')
  for (const [code, w] of Object.entries(weights)) check.weight(`weights.${code}`, w)
  return withReads({
    name: 'device-claims',
    mode: ruleMode('deviceClaimsRule', options),
    // The fingerprint flag is read in the verification's batch whatever the device's status
    // (unknown until the batch answers; one cheap read). Whether the user trusts the device
    // is read only when a stored id was another device's first (`device.linked`, known only
    // after the claims were read): a second round trip for a copied cookie, none for a
    // returning customer.
    reads: ({ clues }) =>
      [weights.FRAUD_FINGERPRINT > 0 && clues.hashes ? readOps.has(fraudFingerprintKey(clues.hashes.fine)) : undefined] as const,
    async evaluate({ device, userHash, store }, [fraudFingerprint]) {
      const reasons: Reason[] = []
      const linked = device.linked ?? []
      if (weights.STORED_ID_CONFLICT > 0 && linked.length > 0) {
        const proven =
          userHash !== undefined
            ? (await store.listUserDevices(userHash, 100)).some((l) => l.deviceId === device.id && l.trusted)
            : device.status === 'valid'
        if (!proven)
          reasons.push({ code: 'STORED_ID_CONFLICT', weight: weights.STORED_ID_CONFLICT, detail: { earlierDevices: linked.slice(0, 5) } })
      }
      if (fraudFingerprint !== undefined && (device.status === 'waiting' || device.status === 'unknown')) {
        if (answered(fraudFingerprint)) reasons.push({ code: 'FRAUD_FINGERPRINT', weight: weights.FRAUD_FINGERPRINT })
      }
      return reasons
    },
  })
}

import { coarseFingerprintId, fineFingerprintId, userFingerprintKey } from '../store-keys/fingerprints.js'
import type { Reason } from '../verdict.js'
import { optionChecks } from '../validate.js'
import { answered, readOps, withReads } from './reads.js'
import { ruleMode, type Rule, type RuleInput, type RuleOptions } from './types.js'

export interface HistoryRuleOptions extends RuleOptions {
  /** Weights of the history reasons. */
  weights?: Partial<Record<'FIRST_USER' | 'FIRST_USER_DEVICE' | 'FIRST_USER_DEVICE_COUNT_OVER' | 'SAME_DEVICE', number>>
  /** A user trusting this many devices or more gets `FIRST_USER_DEVICE_COUNT_OVER` for another one. Default 5. */
  maxTrustedDevices?: number
  /** `SAME_DEVICE` when a device has been used by at least this many user ids. Default 2. */
  sameDeviceUsers?: number
  /** Actions the rule applies to. Default: every action that passes a `userId`. */
  actions?: readonly string[]
}

export const HISTORY_WEIGHTS = {
  FIRST_USER: 10,
  FIRST_USER_DEVICE: 45,
  FIRST_USER_DEVICE_COUNT_OVER: 30,
  SAME_DEVICE: 15,
} as const

/**
 * Device identity and account history, with O-MOTION's reasons. Needs `userId` in the
 * context; links the user to the device in the store on every evaluation (also in monitor
 * mode, so history builds up while a shop watches). A device becomes *trusted* for a user
 * when a login on it succeeds or a challenge is passed (`reportOutcome`, `label('legit')`).
 *
 * - `FIRST_USER` (10): no history for this user yet.
 * - `FIRST_USER_DEVICE` (45: a challenge by default): a known user on a device key they
 *   have not yet proven (new, or only seen in attempts that did not succeed). Stored ids and
 *   fingerprints never prove a device (they are claims any page script or anti-detect
 *   browser can copy): a fingerprint this user trusts is reported in
 *   `detail.fingerprintMatch` (`fine` or `coarse`) for the console, and changes nothing.
 * - `FIRST_USER_DEVICE_COUNT_OVER` (30): that user already trusts `maxTrustedDevices` devices.
 * - `USER_DEVICE` (0): a device this user trusts; recorded for the console.
 * - `SAME_DEVICE` (15): the device has been used by `sameDeviceUsers` or more user ids
 *   (family device, multi-accounting or impersonation); velocity rules judge large numbers.
 */
export function historyRule(options: HistoryRuleOptions = {}): Rule {
  const weights = { ...HISTORY_WEIGHTS, ...options.weights }
  const check = optionChecks('CONFIG_RULE', 'historyRule')
  for (const [code, w] of Object.entries(weights)) check.weight(`weights.${code}`, w)
  const maxTrusted = check.positiveInteger('maxTrustedDevices', options.maxTrustedDevices, 5)
  const sameUsers = check.number('sameDeviceUsers', options.sameDeviceUsers, { min: 2, integer: true }, 2)
  const actions = options.actions ? new Set(options.actions) : undefined
  const applies = (userHash: string | undefined, action: string): userHash is string =>
    userHash !== undefined && (actions === undefined || actions.has(action))
  return withReads({
    name: 'history',
    mode: ruleMode('historyRule', options),
    // The link is a read-modify-write in the verification's batch. The fingerprint read
    // depends on its answer (a known user on an untrusted device) and stays a second read
    // in that case only: a returning customer on a trusted device needs none.
    reads: ({ userHash, deviceId, now, context }) =>
      [applies(userHash, context.action) ? readOps.linkUserDevice(userHash, deviceId, now) : undefined] as const,
    async evaluate({ userHash, clues, store, context }, [linked]) {
      if (!applies(userHash, context.action) || linked === undefined) return []
      const link = answered(linked)
      const reasons: Reason[] = []
      if (!link.userSeen) reasons.push({ code: 'FIRST_USER', weight: weights.FIRST_USER })
      else if (link.trusted) reasons.push({ code: 'USER_DEVICE', weight: 0, detail: { since: link.firstSeen } })
      else {
        const match = await fingerprintMatch(store, userHash, clues.hashes)
        const detail = { seenBefore: link.deviceSeen, ...(match ? { fingerprintMatch: match } : {}) }
        reasons.push({ code: 'FIRST_USER_DEVICE', weight: weights.FIRST_USER_DEVICE, detail })
        if (link.trustedDevices >= maxTrusted) {
          reasons.push({
            code: 'FIRST_USER_DEVICE_COUNT_OVER',
            weight: weights.FIRST_USER_DEVICE_COUNT_OVER,
            detail: { trustedDevices: link.trustedDevices },
          })
        }
      }
      if (link.deviceUsers >= sameUsers)
        reasons.push({ code: 'SAME_DEVICE', weight: weights.SAME_DEVICE, detail: { users: link.deviceUsers } })
      return reasons.filter((r) => r.weight > 0 || r.code === 'USER_DEVICE')
    },
  })
}

/**
 * Whether the user trusts a device with the same fine (`fine`) or coarse (`coarse`)
 * fingerprint. Information for the console only: identical machines and phones of one model
 * share fine fingerprints, and any page running the client can compute them, so a match
 * never lowers a score (docs/decisions/0006-device-trust.md).
 */
async function fingerprintMatch(
  store: RuleInput['store'],
  userHash: string,
  hashes: { coarse: string; fine: string } | undefined,
): Promise<'fine' | 'coarse' | undefined> {
  if (!hashes) return undefined
  const prints = await store.listUserDevices(userFingerprintKey(userHash), 50)
  if (prints.some((p) => p.trusted && p.deviceId === fineFingerprintId(hashes.fine))) return 'fine'
  if (prints.some((p) => p.trusted && p.deviceId === coarseFingerprintId(hashes.coarse))) return 'coarse'
  return undefined
}

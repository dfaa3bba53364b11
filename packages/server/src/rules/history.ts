import { KenchiError } from '../errors.js'
import { userFingerprintKey } from '../identity.js'
import type { Reason } from '../verdict.js'
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
 * - `FIRST_USER_DEVICE` (45: a challenge by default): a known user on a device they have
 *   not yet proven (new, or only seen in attempts that did not succeed).
 * - `FIRST_USER_DEVICE_COUNT_OVER` (30): that user already trusts `maxTrustedDevices` devices.
 * - `USER_DEVICE` (0): a device this user trusts; recorded for the console.
 * - `SAME_DEVICE` (15): the device has been used by `sameDeviceUsers` or more user ids
 *   (family device, multi-accounting or impersonation); velocity rules judge large numbers.
 */
export function historyRule(options: HistoryRuleOptions = {}): Rule {
  const weights = { ...HISTORY_WEIGHTS, ...options.weights }
  for (const [code, w] of Object.entries(weights)) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 100) throw new KenchiError('CONFIG_RULE', `historyRule: weights.${code} must be 0–100`)
  }
  const maxTrusted = options.maxTrustedDevices ?? 5
  const sameUsers = options.sameDeviceUsers ?? 2
  if (!Number.isInteger(maxTrusted) || maxTrusted < 1) throw new KenchiError('CONFIG_RULE', 'historyRule: maxTrustedDevices must be a positive integer')
  if (!Number.isInteger(sameUsers) || sameUsers < 2) throw new KenchiError('CONFIG_RULE', 'historyRule: sameDeviceUsers must be an integer ≥ 2')
  const actions = options.actions ? new Set(options.actions) : undefined
  return {
    name: 'history',
    mode: ruleMode('historyRule', options),
    async evaluate({ userHash, device, clues, store, now, context }) {
      if (userHash === undefined || (actions && !actions.has(context.action))) return []
      const link = await store.linkUserDevice(userHash, device.id, now)
      const reasons: Reason[] = []
      const recognised = link.userSeen && !link.trusted ? await recognise(store, userHash, device.linked, clues.hashes) : undefined
      if (!link.userSeen) reasons.push({ code: 'FIRST_USER', weight: weights.FIRST_USER })
      else if (link.trusted) reasons.push({ code: 'USER_DEVICE', weight: 0, detail: { since: link.firstSeen } })
      else if (recognised === 'stored-id' || recognised === 'fingerprint') {
        reasons.push({ code: 'USER_DEVICE', weight: 0, detail: { matchedBy: recognised } })
      } else {
        const detail = { seenBefore: link.deviceSeen, ...(recognised === 'coarse' ? { coarseFingerprintMatch: true } : {}) }
        reasons.push({ code: 'FIRST_USER_DEVICE', weight: weights.FIRST_USER_DEVICE, detail })
        if (link.trustedDevices >= maxTrusted) {
          reasons.push({ code: 'FIRST_USER_DEVICE_COUNT_OVER', weight: weights.FIRST_USER_DEVICE_COUNT_OVER, detail: { trustedDevices: link.trustedDevices } })
        }
      }
      if (link.deviceUsers >= sameUsers) reasons.push({ code: 'SAME_DEVICE', weight: weights.SAME_DEVICE, detail: { users: link.deviceUsers } })
      return reasons.filter((r) => r.weight > 0 || r.code === 'USER_DEVICE')
    },
  }
}

/**
 * Whether a device key this user has not proven is nevertheless theirs: an earlier device
 * sharing a stored id with it is trusted by the user (`stored-id`), or the user trusts a
 * device with the same fine fingerprint (`fingerprint`). A match of the coarse fingerprint
 * alone (`coarse`) is reported but proves nothing: common machines share it.
 */
async function recognise(
  store: RuleInput['store'],
  userHash: string,
  linked: readonly string[] | undefined,
  hashes: { coarse: string; fine: string } | undefined,
): Promise<'stored-id' | 'fingerprint' | 'coarse' | undefined> {
  if (linked && linked.length > 0) {
    const trusted = new Set((await store.listUserDevices(userHash, 100)).filter((l) => l.trusted).map((l) => l.deviceId))
    if (linked.some((id) => trusted.has(id))) return 'stored-id'
  }
  if (!hashes) return undefined
  const prints = await store.listUserDevices(userFingerprintKey(userHash), 50)
  if (prints.some((p) => p.trusted && p.deviceId === `f:${hashes.fine}`)) return 'fingerprint'
  if (prints.some((p) => p.trusted && p.deviceId === `c:${hashes.coarse}`)) return 'coarse'
  return undefined
}

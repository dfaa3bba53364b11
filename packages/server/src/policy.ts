import { ACTION_PATTERN, LIMITS } from '@kenchi/protocol'
import { checkAttackPolicy, DEFAULT_ATTACK_POLICY, type AttackPolicy } from './attack.js'
import { KenchiError } from './errors.js'
import { DEFAULT_THRESHOLDS, type Thresholds } from './scoring.js'
import type { Decision } from './verdict.js'

/** Per-action overrides of the policy. */
export interface ActionPolicy extends Partial<Thresholds> {
  /** Proof-of-work difficulty for this action's challenges. */
  pow?: number
}

/** How verdicts are decided. Changeable at run time with `verifier.updatePolicy()`. */
export interface Policy {
  /** `monitor`: everything is computed and recorded, but every decision is `allow`. Default `live`. */
  mode: 'live' | 'monitor'
  /** Score thresholds for all actions. Default `{ challenge: 40, deny: 80 }`. */
  thresholds: Thresholds
  /** Per-action thresholds and proof-of-work, e.g. `{ checkout: { challenge: 30 } }`. */
  actions: Record<string, ActionPolicy>
  /** Proof-of-work difficulty (leading zero bits, 0–24) for new challenges. Default 0. */
  pow: number
  /** Decision when no token was sent. Default `challenge`. */
  missingToken: Decision
  /** Decision when the store fails or times out, or the verifier errs. Default `challenge`. */
  onStoreError: Decision
  /** Site-wide attack mode; see `AttackPolicy`. */
  attack: AttackPolicy
}

/** A change to one action's overrides: a member set to `null` is removed (the global value applies again). */
export type ActionPolicyPatch = { [K in keyof ActionPolicy]?: ActionPolicy[K] | null }

/**
 * A policy patch: every member optional, `attack` too. In `actions`, `null` for an action
 * removes all its overrides, and `null` for one member removes that override.
 */
export type PolicyPatch = Partial<Omit<Policy, 'attack' | 'actions'>> & {
  attack?: Partial<AttackPolicy>
  actions?: Record<string, ActionPolicyPatch | null>
}

const ACTION_MEMBERS: readonly string[] = ['challenge', 'deny', 'pow']

export const DEFAULT_POLICY: Policy = {
  mode: 'live',
  thresholds: DEFAULT_THRESHOLDS,
  actions: {},
  pow: 0,
  missingToken: 'challenge',
  onStoreError: 'challenge',
  attack: DEFAULT_ATTACK_POLICY,
}

const DECISIONS: readonly string[] = ['allow', 'challenge', 'deny']

/**
 * Merges a patch into a policy and validates the result; throws `KenchiError`
 * (`CONFIG_POLICY`) naming the bad member. `actions` and `thresholds` merge member by member.
 */
export function mergePolicy(base: Policy, patch: PolicyPatch = {}): Policy {
  if (typeof patch !== 'object' || patch === null) throw bad('policy', 'an object')
  const next: Policy = {
    mode: patch.mode ?? base.mode,
    thresholds: { ...base.thresholds, ...patch.thresholds },
    actions: { ...base.actions },
    pow: patch.pow ?? base.pow,
    missingToken: patch.missingToken ?? base.missingToken,
    onStoreError: patch.onStoreError ?? base.onStoreError,
    attack: { ...base.attack, ...patch.attack },
  }
  for (const [action, p] of Object.entries(patch.actions ?? {})) {
    if (!ACTION_PATTERN.test(action)) throw bad(`actions.${action}`, 'a lower-case action name')
    if (p === null) {
      delete next.actions[action]
      continue
    }
    if (typeof p !== 'object' || Array.isArray(p)) throw bad(`actions.${action}`, 'an object or null')
    const merged: Record<string, number> = { ...next.actions[action] }
    for (const [member, value] of Object.entries(p)) {
      if (!ACTION_MEMBERS.includes(member)) throw bad(`actions.${action}.${member}`, ACTION_MEMBERS.join(' | '))
      if (value === null) delete merged[member]
      else merged[member] = value as number
    }
    if (Object.keys(merged).length === 0) delete next.actions[action]
    else next.actions[action] = merged
  }
  if (next.mode !== 'live' && next.mode !== 'monitor') throw bad('mode', "'live' or 'monitor'")
  if (!DECISIONS.includes(next.missingToken)) throw bad('missingToken', DECISIONS.join(' | '))
  if (!DECISIONS.includes(next.onStoreError)) throw bad('onStoreError', DECISIONS.join(' | '))
  checkPow(next.pow, 'pow')
  checkAttackPolicy(next.attack)
  checkThresholds(next.thresholds, 'thresholds')
  for (const [action, p] of Object.entries(next.actions)) {
    if (p.pow !== undefined) checkPow(p.pow, `actions.${action}.pow`)
    checkThresholds({ ...next.thresholds, ...p }, `actions.${action}`)
  }
  return next
}

/** The thresholds that apply to an action. */
export function thresholdsFor(policy: Policy, action: string): Thresholds {
  const p = Object.hasOwn(policy.actions, action) ? policy.actions[action] : undefined
  return p ? { challenge: p.challenge ?? policy.thresholds.challenge, deny: p.deny ?? policy.thresholds.deny } : policy.thresholds
}

/** The proof-of-work difficulty for an action's challenges. */
export function powFor(policy: Policy, action: string): number {
  const p = Object.hasOwn(policy.actions, action) ? policy.actions[action] : undefined
  return p?.pow ?? policy.pow
}

function checkPow(pow: unknown, name: string): void {
  if (!Number.isInteger(pow) || (pow as number) < 0 || (pow as number) > LIMITS.maxPowDifficulty) {
    throw bad(name, `an integer 0–${LIMITS.maxPowDifficulty}`)
  }
}

function checkThresholds(t: Thresholds, name: string): void {
  const okNumber = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 101
  if (!okNumber(t.challenge) || !okNumber(t.deny) || t.challenge > t.deny) throw bad(name, '0 ≤ challenge ≤ deny ≤ 101')
}

function bad(name: string, expected: string): KenchiError {
  return new KenchiError('CONFIG_POLICY', `policy.${name}: expected ${expected}`)
}

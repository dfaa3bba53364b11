import { KenchiError } from './errors.js'
import { attackUsersKey } from './store-keys/attack.js'
import { outcomeCounterKey } from './store-keys/outcomes.js'
import type { Alert } from './notify/notifier.js'
import type { OpAnswer } from './stores/batch.js'
import type { Store } from './stores/types.js'
import type { Reason } from './verdict.js'

/** What attack mode does while it is on. */
export type AttackResponse = 'challenge' | 'pow' | 'stop-logins' | 'maintenance'

/** Attack mode settings: part of the policy, so they can change at run time. */
export interface AttackPolicy {
  /** Default `true`. */
  enabled: boolean
  /** Site-wide failed logins (reported `login_failed`) in `windowMs` that switch it on. Default 100. */
  failedLogins: number
  /**
   * Site-wide distinct login ids tried within `windowMs` that switch it on (`context.loginId`,
   * else `userId`: unknown addresses count too); 0 = not watched. Default 0.
   */
  distinctUsers: number
  /** Default 5 minutes. */
  windowMs: number
  /**
   * While on: `challenge` every login (ATTACK_MODE, weight 50); `pow` raise the login
   * challenges' proof of work to `pow`; `stop-logins` deny every login; `maintenance` deny
   * every action. Default `challenge`.
   */
  response: AttackResponse
  /** Proof-of-work difficulty for `response: 'pow'`. Default 16. */
  pow: number
  /** It switches off after the counts stay under `exitRatio` × the thresholds for `calmMs`. Defaults 0.5 and 10 minutes. */
  exitRatio: number
  calmMs: number
}

export const DEFAULT_ATTACK_POLICY: AttackPolicy = {
  enabled: true,
  failedLogins: 100,
  distinctUsers: 0,
  windowMs: 5 * 60_000,
  response: 'challenge',
  pow: 16,
  exitRatio: 0.5,
  calmMs: 10 * 60_000,
}

export interface AttackState {
  active: boolean
  /** When it switched on (Unix ms). */
  since?: number
  /** The counts at the last check. */
  failedLogins: number
  distinctUsers: number
}

const RESPONSES: readonly AttackResponse[] = ['challenge', 'pow', 'stop-logins', 'maintenance']
const CHECK_EVERY_MS = 2_000

export function checkAttackPolicy(a: AttackPolicy): void {
  const bad = (name: string, what: string) => new KenchiError('CONFIG_POLICY', `policy.attack.${name}: expected ${what}`)
  if (typeof a.enabled !== 'boolean') throw bad('enabled', 'a boolean')
  if (!Number.isInteger(a.failedLogins) || a.failedLogins < 1) throw bad('failedLogins', 'a positive integer')
  if (!Number.isInteger(a.distinctUsers) || a.distinctUsers < 0) throw bad('distinctUsers', 'an integer ≥ 0')
  if (!(a.windowMs >= 1000 && a.windowMs <= 24 * 3600_000)) throw bad('windowMs', '1 second to 24 hours')
  if (!RESPONSES.includes(a.response)) throw bad('response', RESPONSES.join(' | '))
  if (!Number.isInteger(a.pow) || a.pow < 1 || a.pow > 24) throw bad('pow', 'an integer 1–24')
  if (!(a.exitRatio > 0 && a.exitRatio < 1)) throw bad('exitRatio', 'between 0 and 1')
  if (!(a.calmMs >= 0)) throw bad('calmMs', 'zero or more milliseconds')
}

/**
 * Site-wide attack detection, the shop platform's "automatic login stop" done better:
 * it watches failed logins (and optionally distinct user ids) across the whole site in a
 * sliding window, switches on when one crosses its threshold, applies the configured
 * response, and switches off by itself once both stay under `exitRatio` of their
 * thresholds for `calmMs` (hysteresis, so it does not flap). The counters live in the
 * store, so every process sharing it sees the same attack.
 */
export class AttackMonitor {
  #state: AttackState = { active: false, failedLogins: 0, distinctUsers: 0 }
  #lastCheck = -Infinity
  #calmSince: number | undefined
  #checking: Promise<void> | undefined
  #usersObservedAt = -Infinity

  constructor(
    private readonly store: Store,
    private readonly policy: () => AttackPolicy,
    private readonly alert: (alert: Alert) => void,
  ) {}

  get state(): AttackState {
    return { ...this.#state }
  }

  /** Records a login attempt with the login id tried (its keyed hash), for `distinctUsers`; resolves nothing of use. */
  async observeLogin(loginHash: string | undefined, now: number): Promise<void> {
    const p = this.policy()
    if (p.enabled && p.distinctUsers > 0 && loginHash !== undefined) {
      this.#state.distinctUsers = await this.store.addDistinct(attackUsersKey(p.windowMs), loginHash, p.windowMs, now)
      this.#usersObservedAt = now
    }
  }

  /** Re-reads the counters at most every 2 seconds and switches the mode on or off. */
  async check(now: number): Promise<void> {
    if (now - this.#lastCheck < CHECK_EVERY_MS) return this.#checking
    this.#lastCheck = now
    this.#checking = this.#evaluate(now).finally(() => (this.#checking = undefined))
    return this.#checking
  }

  /**
   * The store calls one verification makes for attack mode, declared before any answer so
   * they join the verification's one read batch (issue 19): the login id tried (`addDistinct`,
   * on logins when `distinctUsers` is watched) and the site-wide failed logins (`countHits`,
   * when a check is due: at most every 2 seconds, as `check`). Answers go to `applyAnswers`.
   */
  reads(action: string, loginHash: string | undefined, now: number) {
    const p = this.policy()
    const users =
      action === 'login' && p.enabled && p.distinctUsers > 0 && loginHash !== undefined
        ? { op: 'addDistinct' as const, key: attackUsersKey(p.windowMs), member: loginHash, windowMs: p.windowMs, now }
        : undefined
    const due = now - this.#lastCheck >= CHECK_EVERY_MS
    const failed =
      due && p.enabled ? { op: 'countHits' as const, key: outcomeCounterKey('login-failed', 'site'), windowMs: p.windowMs, now } : undefined
    return [users, failed] as const
  }

  /**
   * Applies the answers to `reads` as `observeLogin` then `check` would have: a failed
   * login record skips the check; a check that is no longer due (another verification's
   * answers came first) changes nothing; a failed count keeps the last state.
   */
  applyAnswers(now: number, [users, failed]: readonly (OpAnswer | undefined)[]): void {
    if (users !== undefined) {
      if (!users.ok) return
      this.#state.distinctUsers = users.value as number
      this.#usersObservedAt = now
    }
    if (now - this.#lastCheck < CHECK_EVERY_MS) return
    const p = this.policy()
    if (!p.enabled) {
      this.#lastCheck = now
      if (this.#state.active) this.#switch(false, now, { reason: 'disabled' })
      return
    }
    if (failed === undefined) return
    this.#lastCheck = now
    if (failed.ok) this.#decide(now, p, failed.value as number)
  }

  async #evaluate(now: number): Promise<void> {
    const p = this.policy()
    if (!p.enabled) {
      if (this.#state.active) this.#switch(false, now, { reason: 'disabled' })
      return
    }
    this.#decide(now, p, await this.store.countHits(outcomeCounterKey('login-failed', 'site'), p.windowMs, now))
  }

  /** Switches the mode on or off from the site-wide failed logins now, with hysteresis. */
  #decide(now: number, p: AttackPolicy, failed: number): void {
    // The distinct-user count is the one the latest login attempt saw; with no attempt in
    // the window there are no users in it.
    const users = p.distinctUsers > 0 && now - this.#usersObservedAt < p.windowMs ? this.#state.distinctUsers : 0
    this.#state.failedLogins = failed
    this.#state.distinctUsers = users
    const over = failed >= p.failedLogins || (p.distinctUsers > 0 && users >= p.distinctUsers)
    const calm = failed < p.failedLogins * p.exitRatio && (p.distinctUsers === 0 || users < p.distinctUsers * p.exitRatio)
    if (!this.#state.active && over) {
      this.#calmSince = undefined
      this.#switch(true, now, { failedLogins: failed, distinctUsers: users, windowMs: p.windowMs, response: p.response })
    } else if (this.#state.active) {
      if (!calm) this.#calmSince = undefined
      else if (this.#calmSince === undefined) this.#calmSince = now
      else if (now - this.#calmSince >= p.calmMs)
        this.#switch(false, now, { failedLogins: failed, distinctUsers: users, calmForMs: now - this.#calmSince })
    }
  }

  #switch(active: boolean, now: number, detail: Record<string, unknown>): void {
    this.#state = { ...this.#state, active, ...(active ? { since: now } : {}) }
    if (!active) delete this.#state.since
    try {
      this.alert({ kind: 'attack-mode', code: active ? 'ATTACK_MODE_ON' : 'ATTACK_MODE_OFF', at: now, detail })
    } catch {
      // an alert hook that throws must not break verification
    }
  }

  /** The reason attack mode adds to a verdict for this action, if any. */
  reasonFor(action: string): Reason | undefined {
    if (!this.#state.active) return undefined
    const p = this.policy()
    const detail = { response: p.response, since: this.#state.since }
    if (p.response === 'maintenance') return { code: 'ATTACK_MODE', weight: 100, detail }
    if (action !== 'login') return undefined
    if (p.response === 'stop-logins') return { code: 'ATTACK_MODE', weight: 100, detail }
    if (p.response === 'challenge') return { code: 'ATTACK_MODE', weight: 50, detail }
    return undefined
  }

  /** The proof-of-work difficulty attack mode asks of new challenges for this action, if any. */
  powFor(action: string): number | undefined {
    const p = this.policy()
    return this.#state.active && p.response === 'pow' && action === 'login' ? p.pow : undefined
  }
}

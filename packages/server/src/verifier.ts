import { createHmac } from 'node:crypto'
import { AttackMonitor, type AttackState } from './attack.js'
import { createDeviceVerifier } from './device.js'
import type { Alert } from './notify/notifier.js'
import { createOutbox } from './outbox.js'
import { mergePolicy, powFor, type Policy, type PolicyPatch } from './policy.js'
import type { VerifyContext } from './context.js'
import type { Label, Outcome, Store } from './stores/types.js'
import type { Verdict } from './verdict.js'
import { createEffectApplier, recordEventGroup } from './verify/apply-effects.js'
import { issueChallenge, type IssuedChallenge } from './verify/challenges.js'
import { resolveConfig, type VerifierOptions } from './verify/config.js'
import { createPipeline } from './verify/pipeline.js'
import { createRejectionSampler } from './verify/rejections.js'
import { createReporter, type ReportStatus } from './verify/report.js'
import { storeGuard } from './verify/store-call.js'

export { DEFAULT_ALERT_ON, type VerifierOptions } from './verify/config.js'
export type { IssuedChallenge } from './verify/challenges.js'
export type { RejectedEventsOptions } from './verify/rejections.js'
export { OUTCOMES, type ReportStatus } from './verify/report.js'

export interface Verifier {
  /**
   * Issues a signed challenge for an action and a page origin. Rejects with `KenchiError`
   * `CHALLENGE_ACTION` for a bad action, `CHALLENGE_ORIGIN` for an origin not configured.
   */
  challenge(request: { action: string; origin: string }): Promise<IssuedChallenge>
  /**
   * Verifies a token and decides. Never throws or rejects: hostile input becomes a `deny`
   * verdict with its code; a context that cannot be read (a getter that throws) is `deny`
   * with `CONTEXT_INVALID`; an unexpected error is `INTERNAL_ERROR` under `onStoreError`.
   * The event goes through the write-behind queue, grouped with the events of verifications
   * running at once (one store batch); the verdict resolves once its event's write was tried,
   * so the event is in the store, or the verdict says `STORE_UNAVAILABLE` (weight 0) when it
   * waits in the queue or was dropped.
   */
  verify(token: unknown, context: VerifyContext): Promise<Verdict>
  /**
   * Records what happened after a verdict (`login_succeeded`, `challenge_failed`...).
   * Rejects with `KenchiError` `EVENT_UNKNOWN` or `INPUT_INVALID`; if the store is down the
   * report is kept in memory and retried (`'queued'`), never lost unless the queue is full
   * (`STORE_UNAVAILABLE`).
   */
  reportOutcome(eventId: string, outcome: Outcome): Promise<ReportStatus>
  /** Labels an event `fraud` or `legit`, with an optional comment (≤ 500 characters). Same errors and queueing as `reportOutcome`. */
  label(eventId: string, label: Label, options?: { comment?: string }): Promise<ReportStatus>
  /** The current policy (a copy). */
  readonly policy: Policy
  /** Changes the policy at run time (e.g. raise proof-of-work during an attack); validates it first. */
  updatePolicy(patch: PolicyPatch): Policy
  /** Whether attack mode is on, since when, and the site-wide counts it last saw. */
  readonly attack: AttackState
  /**
   * Re-reads the site-wide counts now (at most every 2 seconds), switches attack mode on or
   * off (raising `ATTACK_MODE_ON` / `ATTACK_MODE_OFF`) and resolves the state. `verify()`
   * does this on every request; call it on a timer so attack mode also steps down, and
   * `attack` stays current, while no requests come. Never rejects: a store failure keeps
   * the last state.
   */
  checkAttack(): Promise<AttackState>
  /** The keyed hash the verifier stores for a user id or an e-mail address. */
  hashIdentity(kind: 'user' | 'email', value: string): string
  /**
   * Writes the summary events of rejected tokens counted so far (`rejectedEvents`), then
   * retries writes waiting for the store and waits for every write handed to the
   * write-behind queue before the call (events whose first try failed, outcomes and labels),
   * whether in flight or queued. Resolves how many writes still wait (0 once all are in the
   * store; more while the store is down).
   */
  flush(): Promise<number>
  /**
   * Stops background retries, the summary timer and the timer of store-call time-outs (it
   * stops by itself when idle, too), and writes the summaries counted so far (without
   * waiting). Pending writes (events, outcomes, labels) are
   * not dropped: those in flight and queued still run while the store answers, but one that
   * fails is no longer retried except by `flush()`. To close cleanly, `await flush()` first
   * (it resolves 0 once everything is in the store), then `close()`, then close the store.
   * Does not close the store.
   */
  close(): void
  /** The store in use. */
  readonly store: Store
}

/**
 * Creates a verifier. Validates the configuration up front and rejects with `KenchiError`
 * with a `CONFIG_*` code if it is wrong; after that, `verify()` never throws or rejects.
 *
 * The verifier is wired from modules under `verify/`: `config.ts` (options),
 * `challenges.ts`, `token-checks.ts` (every check that needs no store, then the nonce),
 * `pipeline.ts` (the phases of `verify()`), `evaluate.ts` (the pure verdict and its
 * effects), `apply-effects.ts` (the one place that writes effects) and `report.ts`
 * (outcomes and labels). See docs/decisions/0010-verifier-pipeline.md.
 */
export async function createVerifier(options: VerifierOptions): Promise<Verifier> {
  const config = resolveConfig(options)
  const { store, now, onAlert } = config
  let policy = config.policy
  const raise = (alert: Alert) => {
    if (onAlert)
      Promise.resolve()
        .then(() => onAlert(alert))
        .catch(() => undefined)
  }
  const attack = new AttackMonitor(store, () => policy.attack, raise)
  const guard = storeGuard(config.storeTimeout)
  const outbox = createOutbox({ recordEvents: (events) => recordEventGroup(store, guard, events) })
  const effects = createEffectApplier(store, outbox, guard)
  const rejections = createRejectionSampler(config.rejectedEvents, effects, now)

  function hashIdentity(kind: 'user' | 'email', value: string): string {
    const normal = kind === 'email' ? value.trim().toLowerCase() : value
    return createHmac('sha256', config.hashKey).update(`${kind}:${normal}`, 'utf8').digest('base64url')
  }

  const verify = createPipeline({
    config,
    policy: () => policy,
    guard,
    effects,
    attack,
    hashIdentity,
    verifyDevice: createDeviceVerifier(),
    raise,
    rejections,
  })
  const reporter = createReporter(store, effects, guard, now)
  const issuer = { ...config, powFor: (action: string) => Math.max(powFor(policy, action), attack.powFor(action) ?? 0) }

  return {
    async challenge(request) {
      return issueChallenge(issuer, request)
    },
    verify,
    reportOutcome: (eventId, outcome) => reporter.reportOutcome(eventId, outcome),
    label: (eventId, label, options) => reporter.label(eventId, label, options),
    get policy() {
      return structuredClone(policy)
    },
    updatePolicy(patch) {
      policy = mergePolicy(policy, patch)
      return structuredClone(policy)
    },
    get attack() {
      return attack.state
    },
    async checkAttack() {
      try {
        await guard(async () => attack.check(now()))
      } catch {
        // attack mode keeps its last state when the store cannot tell
      }
      return attack.state
    },
    hashIdentity,
    async flush() {
      await rejections.flush()
      return outbox.flush()
    },
    close() {
      rejections.close()
      outbox.close()
      guard.close()
    },
    store,
  }
}

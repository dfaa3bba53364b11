import { randomUUID } from 'node:crypto'
import type { ParsedToken } from '@kenchi/protocol'
import type { AttackMonitor } from '../attack.js'
import { normaliseContext, type VerifyContext } from '../context.js'
import { deviceThumbprint } from '../device.js'
import { deviceClues } from '../identity.js'
import type { Alert } from '../notify/notifier.js'
import { thresholdsFor, type Policy } from '../policy.js'
import { attackRule } from '../rules/attack.js'
import type { RuleInput } from '../rules/types.js'
import type { OpAnswer, StoreOp, StoreOpValues } from '../stores/batch.js'
import type { EventRecord } from '../stores/types.js'
import type { Reason, Verdict, VerdictDevice } from '../verdict.js'
import { effectNote, type EffectApplier } from './apply-effects.js'
import { finishStoredIdClaims, judgeDevice, storedIdClaimReads, type StoredIdClaims } from './stored-id-claims.js'
import type { VerifierConfig } from './config.js'
import { evaluate, failure, linkEffects, testModeVerdict, type Evaluation, type Judgement } from './evaluate.js'
import type { RejectionSampler } from './rejections.js'
import { describe, type Guard } from './store-call.js'
import { planRuleReads } from './read-plan.js'
import { runRules } from './run-rules.js'
import { batchUnderGuard } from './store-batch.js'
import { checkTokenBeforePow, checkTokenPow, nonceKey, nonceTtlMs } from './token-checks.js'

/** What `verify()` runs on: the resolved configuration and the verifier's shared parts. */
export interface PipelineDeps {
  config: VerifierConfig
  /** The policy now (it changes with `updatePolicy`). */
  policy(): Policy
  guard: Guard
  effects: EffectApplier
  attack: AttackMonitor
  hashIdentity(kind: 'user' | 'email', value: string): string
  verifyDevice(token: ParsedToken): boolean
  /** Raises an alert through `onAlert`, never throwing. */
  raise(alert: Alert): void
  /** Where the events of rejected tokens beyond the full-record budget are counted (`rejections.ts`). */
  rejections: RejectionSampler
}

/** The keyed hashes of a request's identities (`undefined` when the context has none). */
interface Identities {
  readonly userHash: string | undefined
  /** The login id tried, hashed like a user id; absent if the context had none. */
  readonly loginHash: string | undefined
  readonly emailHash: string | undefined
}

/** What evaluation learnt that the event record keeps. */
interface Seen {
  fingerprint?: { coarse: string; fine: string }
}

/**
 * `verify()`, as phases: the token checks (no store), one read batch (the nonce as its
 * gate, the device record, the stored-id claims' first reads, the rules' declared reads:
 * `attackRule` first, then the configured rules), the pure evaluation, then the effects
 * (device status, stored-id links, the event) through `apply-effects.ts`, in one write
 * batch and the event's write-behind queue.
 */
export function createPipeline(deps: PipelineDeps): (raw: unknown, context: VerifyContext) => Promise<Verdict> {
  const { config, guard, attack } = deps
  const { store, now } = config
  const checker = { ...config, verifyDevice: deps.verifyDevice }
  // Attack mode is the first rule of every pipeline, whatever rules are configured.
  const rules = [attackRule(attack, guard), ...config.rules]

  async function verify(raw: unknown, input: VerifyContext): Promise<Verdict> {
    const eventId = randomUUID()
    const current = deps.policy()
    let context: VerifyContext
    try {
      context = normaliseContext(input)
    } catch (error) {
      // A context that cannot be read (a getter or proxy trap threw): nothing is trusted,
      // nothing is spent or recorded.
      return settle({ ...failure('CONTEXT_INVALID', 'deny', describe(error)), eventId, mode: current.mode })
    }
    try {
      return await verifyWith(raw, context, eventId, current)
    } catch (error) {
      return settle({ ...failure('INTERNAL_ERROR', current.onStoreError, describe(error)), eventId, mode: current.mode })
    }
  }

  /** Applies monitor mode to a verdict built outside the normal path. */
  function settle(verdict: Verdict): Verdict {
    if (verdict.mode === 'monitor') {
      verdict.wouldBe = verdict.decision
      verdict.decision = 'allow'
    }
    return verdict
  }

  async function verifyWith(raw: unknown, context: VerifyContext, eventId: string, current: Policy): Promise<Verdict> {
    const ids = identities(context)
    const seen: Seen = {}
    let judged: Judgement
    // Whether `judged` is a `failure()`: decision, score and reasons, nothing else.
    let plain = true
    try {
      // The token checks up to the device signature are synchronous: a rejected token is
      // answered without a promise per phase (issue 19, cheap rejection).
      const checked = checkTokenBeforePow(checker, raw, context)
      if (checked.ok) {
        plain = false
        judged = await judge(checked.value, context, current, ids, seen)
      } else {
        judged = failure(checked.code, checked.code === 'TOKEN_MISSING' ? current.missingToken : 'deny', checked.detail)
      }
    } catch (error) {
      plain = true
      judged = failure('INTERNAL_ERROR', current.onStoreError, describe(error))
    }
    // A failure's verdict is built member by member, in the spread's order: a spread of the
    // many shapes a judgement has is the slow path of V8's object cloning, on every rejection.
    const verdict: Verdict = plain
      ? { decision: judged.decision, score: judged.score, reasons: judged.reasons, eventId, mode: current.mode }
      : { ...judged, eventId, mode: current.mode }
    alert(verdict, context)
    if (current.mode === 'monitor') {
      verdict.wouldBe = judged.wouldBe ?? judged.decision
      verdict.decision = 'allow'
    }
    // A rejected token beyond its code's full-record budget is counted for a summary event:
    // no store call, no identity hash (rejections.ts).
    if (deps.rejections.sample(verdict, context)) return verdict
    const event = eventOf(verdict, context, ids, seen)
    // Through the write-behind queue (issue 19), which writes the events of verifications
    // running at once in one group (one store batch); the verdict waits for its group's first
    // try, so the event is in the store (for every process sharing it) when `verify()`
    // resolves, or the verdict says it is `queued` (the store failing) or `failed` (the queue
    // full). The event of a request without a valid token (anyone can send any number) is
    // `bulk`: it may fill only half the write queue, never the labels' and outcomes' half.
    const handed = deps.effects.record({ kind: 'record-event', event, bulk: verdict.device === undefined })
    const recorded = handed.status === 'accepted' ? { ...handed, status: await deps.effects.settled(event.id) } : handed
    const note = effectNote(recorded)
    if (note) verdict.reasons.push(note)
    return verdict
  }

  /**
   * The request's identities, each hashed (HMAC) on first read: a token rejected by its
   * checks never reads them unless its event is recorded in full (rejections.ts), so a
   * flood of bad tokens costs no hashing.
   */
  function identities(context: VerifyContext): Identities {
    return new LazyIdentities(context, deps.hashIdentity)
  }

  /**
   * Checks the proof of work of a token that passed the other checks (`checkTokenBeforePow`),
   * reads what the verdict needs, evaluates, and applies the verdict's effects.
   */
  async function judge(signed: ParsedToken, context: VerifyContext, current: Policy, ids: Identities, seen: Seen): Promise<Judgement> {
    const checked = await checkTokenPow(signed)
    if (!checked.ok) return failure(checked.code, 'deny', checked.detail)
    const token = checked.value
    const deviceId = deviceThumbprint(token.body.k)
    const at = now()
    const clues = deviceClues(token.body.s)
    // Rules count the login id tried, or the user id when no login id was given.
    const loginHash = ids.loginHash ?? ids.userHash
    const hashes = {
      ...(ids.userHash !== undefined ? { userHash: ids.userHash } : {}),
      ...(loginHash !== undefined ? { loginHash } : {}),
      ...(ids.emailHash !== undefined ? { emailHash: ids.emailHash } : {}),
    }
    // One read batch (issue 19, docs/decisions/0010): the nonce (the gate: a replayed token
    // reads and writes nothing else), the device record, the stored ids' holders, and every
    // rule's declared reads (none in test mode, where no rule runs).
    const ruleReads = planRuleReads(config.testMode ? [] : rules, { context, token, deviceId, clues, now: at, ...hashes })
    const claimOps = storedIdClaimReads(clues.storedIds)
    const c = token.challenge.payload
    const ops: StoreOp[] = [
      { op: 'setIfAbsent', key: nonceKey(c.n), ttlMs: nonceTtlMs(c.exp, config.tolerance, at) },
      { op: 'touchDevice', id: deviceId, publicKey: token.body.k, now: at },
      ...claimOps,
      ...ruleReads.ops,
    ]
    let answers: OpAnswer[]
    try {
      answers = await batchUnderGuard(store, ops, guard, { gate: true })
    } catch (error) {
      return failure('STORE_UNAVAILABLE', current.onStoreError, describe(error))
    }
    const [spent, touchedAnswer] = answers as [OpAnswer<{ op: 'setIfAbsent'; key: string; ttlMs: number }>, OpAnswer]
    if (!spent.ok) return failure('STORE_UNAVAILABLE', current.onStoreError, describe(spent.error))
    if (!spent.value) return failure('TOKEN_REPLAYED', 'deny')
    if (!touchedAnswer.ok) return failure('STORE_UNAVAILABLE', current.onStoreError, describe(touchedAnswer.error))
    const touched = touchedAnswer.value as StoreOpValues['touchDevice']
    const keyed: VerdictDevice = {
      id: deviceId,
      status: touched.after.status,
      known: touched.before !== undefined,
      firstSeen: touched.after.firstSeen,
      ...(touched.before !== undefined ? { matchedBy: 'key' as const } : {}),
    }
    if (clues.hashes) seen.fingerprint = clues.hashes
    const notes: Reason[] = []
    let claims: StoredIdClaims | undefined
    try {
      const readMore = (more: readonly StoreOp[]) => batchUnderGuard(store, more, guard).then(throwIfAnyFailed)
      claims = await finishStoredIdClaims(readMore, keyed, clues.storedIds, answers.slice(2, 2 + claimOps.length))
    } catch (error) {
      // Stored ids are claims that can only add suspicion; the device key still identifies
      // the device. Said in the verdict, since a fraud device's id went unchecked.
      notes.push({ code: 'STORE_UNAVAILABLE', weight: 0, detail: { while: 'reading stored-id claims', error: describe(error) } })
    }
    const device = judgeDevice(keyed, claims)
    // The ids are linked to the device only once their claims were read (as before the split:
    // a link never gets ahead of the read that judges it).
    const storedIds = claims ? clues.storedIds : []
    const input: RuleInput = { context, token, device, clues, store, now: at, ...hashes }
    const ruleAnswers = answers.slice(2 + claimOps.length)
    let evaluation: Evaluation
    if (config.testMode) {
      // Test mode: a valid token gets the fixed decision; no rule runs.
      const decision = config.testMode.decisionFor([context.loginId, context.userId, context.email])
      evaluation = { verdict: testModeVerdict(decision, device), effects: linkEffects(device.id, storedIds, at) }
    } else {
      // Each rule gets its declared reads' answers; a rule without `reads` reads the store
      // itself. Rules are independent, so they run concurrently.
      const results = await runRules(rules, input, (i) => ruleReads.answersFor(i, ruleAnswers))
      const thresholds = thresholdsFor(current, context.action)
      evaluation = evaluate({ device, storedIds, now: at, notes, rules, results, thresholds })
    }
    return apply(evaluation)
  }

  /** Writes a verdict's effects; the verdict says which failed, and shows a status only once it is stored. */
  async function apply({ verdict, effects }: Evaluation): Promise<Judgement> {
    if (effects.length === 0) return verdict
    for (const result of await deps.effects.settle(effects)) {
      const { effect } = result
      if (effect.kind === 'device-status' && result.status === 'done' && verdict.device) verdict.device.status = effect.status
      const note = effectNote(result)
      if (note) verdict.reasons.push(note)
    }
    return verdict
  }

  /** Raises an alert for each reason (live or monitored) whose code is in `alertOn`. */
  function alert(verdict: Verdict, context: VerifyContext): void {
    if (!config.onAlert) return
    for (const reason of [...verdict.reasons, ...(verdict.monitored ?? [])]) {
      if (!config.alertOn.has(reason.code)) continue
      deps.raise({
        kind: reason.code,
        code: reason.code,
        at: now(),
        detail: {
          eventId: verdict.eventId,
          action: context.action,
          ...(context.ip !== undefined ? { ip: context.ip } : {}),
          ...reason.detail,
        },
      })
    }
  }

  function eventOf(verdict: Verdict, context: VerifyContext, ids: Identities, seen: Seen): EventRecord {
    return {
      id: verdict.eventId,
      at: now(),
      action: context.action,
      decision: verdict.decision,
      score: verdict.score,
      reasons: verdict.reasons,
      mode: verdict.mode,
      ...(verdict.wouldBe !== undefined ? { wouldBe: verdict.wouldBe } : {}),
      ...(verdict.monitored ? { monitored: verdict.monitored } : {}),
      ...(verdict.device ? { deviceId: verdict.device.id } : {}),
      ...(context.ip !== undefined ? { ip: context.ip } : {}),
      ...(ids.userHash !== undefined ? { userHash: ids.userHash } : {}),
      ...(ids.loginHash !== undefined ? { loginHash: ids.loginHash } : {}),
      ...(ids.emailHash !== undefined ? { emailHash: ids.emailHash } : {}),
      ...(seen.fingerprint !== undefined ? { fingerprint: seen.fingerprint } : {}),
    }
  }

  return verify
}

/** A request's identity hashes, each computed on first read (getters: a spread does not copy them). */
class LazyIdentities implements Identities {
  readonly #context: VerifyContext
  readonly #hash: PipelineDeps['hashIdentity']
  #user: string | undefined
  #login: string | undefined
  #email: string | undefined

  constructor(context: VerifyContext, hash: PipelineDeps['hashIdentity']) {
    this.#context = context
    this.#hash = hash
  }

  get userHash(): string | undefined {
    const { userId } = this.#context
    return userId === undefined ? undefined : (this.#user ??= this.#hash('user', userId))
  }

  // The identifier tried at login: hashed like a user id, so an existing account's login id
  // and user id agree. Velocity and attack mode count it; history uses userHash only.
  get loginHash(): string | undefined {
    const { loginId, userId } = this.#context
    if (loginId === undefined) return undefined
    return loginId === userId ? this.userHash : (this.#login ??= this.#hash('user', loginId))
  }

  get emailHash(): string | undefined {
    const { email } = this.#context
    return email === undefined ? undefined : (this.#email ??= this.#hash('email', email))
  }
}

/** The answers of a follow-up batch, or the first failure thrown. */
function throwIfAnyFailed(answers: readonly OpAnswer[]): OpAnswer[] {
  for (const answer of answers) if (!answer.ok) throw answer.error
  return [...answers]
}

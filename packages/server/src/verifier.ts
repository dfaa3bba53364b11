import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import {
  ACTION_PATTERN,
  LIMITS,
  ORIGIN_PATTERN,
  PROTOCOL_VERSION,
  assembleChallenge,
  challengeSigningInput,
  checkPow,
  parseToken,
  type ChallengePayload,
  type Limits,
  type ParsedToken,
  type TokenErrorCode,
} from '@kenchi/protocol'
import { AttackMonitor, type AttackState } from './attack.js'
import type { Alert } from './notify/notifier.js'
import { createDeviceVerifier, deviceThumbprint } from './device.js'
import { statusAfterVerdict } from './device-status.js'
import { applyLabel, applyOutcome } from './effects.js'
import { deviceClues } from './identity.js'
import { nonceKey, storedIdKey } from './store-keys/index.js'
import { KenchiError } from './errors.js'
import { createKeyRing, secretBytes, type ServerKey } from './keys.js'
import { parseIp } from './lists/ip.js'
import { createOutbox, FinalError, OutboxFullError } from './outbox.js'
import { DEFAULT_POLICY, mergePolicy, powFor, thresholdsFor, type Policy, type PolicyPatch } from './policy.js'
import type { ReasonCode } from './reasons.js'
import { defaultRules } from './rules/index.js'
import type { Rule, RuleInput, VerifyContext } from './rules/types.js'
import { decide, sortReasons } from './scoring.js'
import { memoryStore } from './stores/memory.js'
import type { EventRecord, Label, Outcome, Store } from './stores/types.js'
import type { Decision, Reason, Verdict, VerdictDevice } from './verdict.js'
import { resolveTestMode, type TestModeOptions } from './test-mode.js'
import { optionChecks, withTimeout } from './validate.js'

export interface VerifierOptions {
  /** HMAC keys for challenges; the first signs, all verify (rotate by prepending). */
  keys: readonly ServerKey[]
  /** Page origins challenges may be issued for, e.g. `['https://shop.example']`. */
  origins: readonly string[]
  /**
   * Secret (≥ 32 bytes) for the keyed hashes of user ids and e-mail addresses. Keep it
   * stable: a new secret makes every known user look new. Required.
   */
  hashSecret: string | Uint8Array
  /** Where nonces, devices and events live. Default: a bounded in-memory store. */
  store?: Store
  /** Rules to run on valid tokens, in order. Default: `defaultRules()`. */
  rules?: readonly Rule[]
  /** How verdicts are decided; see `Policy`. Changeable later with `updatePolicy()`. */
  policy?: PolicyPatch
  /**
   * Called when attack mode switches on (`code: 'ATTACK_MODE_ON'`) or off (`'ATTACK_MODE_OFF'`),
   * with `kind: 'attack-mode'`. Pass `(alert) => notifier.notify(alert)` to send it by webhook
   * or e-mail. Errors and rejections are ignored.
   */
  onAlert?: (alert: Alert) => void | Promise<void>
  /**
   * Reason codes that also raise an alert when a verdict carries them (`kind` and `code`
   * are the reason code; `detail` has the event id, action, IP and the reason's detail), as
   * the shop platform mails its admin on mass registrations and login stops. Rate limiting
   * is the notifier's. Default: `VELOCITY_IP_USERS`, `VELOCITY_USER_IPS`,
   * `VELOCITY_DEVICE_USERS`, `VELOCITY_REGISTRATIONS`, `CARD_FAILURES`.
   */
  alertOn?: readonly ReasonCode[]
  /** Challenge lifetime in seconds. Default 600. */
  challengeTtl?: number
  /** Clock tolerance in seconds for expiry and issue time. Default 30. */
  clockTolerance?: number
  /** Longest a store call may take before it counts as failed, in ms. Default 1000. */
  storeTimeout?: number
  /** Tighter limits than the protocol's, if wanted. */
  limits?: Partial<Limits>
  /** Clock in Unix ms, for tests. */
  now?: () => number
  /**
   * Test mode for your own integration tests (see docs/testing.md): tokens are checked as
   * usual, but instead of the rules a fixed decision answers, `allow` by default or per
   * identifier (`TEST_IDENTITIES`: `allow@kenchi.test`, `challenge@kenchi.test`,
   * `deny@kenchi.test`, plus `identities`), with reason `TEST_MODE`. `createVerifier` throws
   * `CONFIG_TEST_MODE` when `NODE_ENV` is `production`.
   */
  testMode?: boolean | TestModeOptions
}

export interface IssuedChallenge {
  /** The challenge string to hand to the client. */
  challenge: string
  /** Expiry, Unix ms. */
  expiresAt: number
}

/** Whether a report reached the store now or waits in memory for it to come back. */
export type ReportStatus = 'recorded' | 'queued'

export interface Verifier {
  /** Issues a signed challenge for an action and a page origin. Throws `KenchiError` for a bad action or an origin not configured. */
  challenge(request: { action: string; origin: string }): Promise<IssuedChallenge>
  /**
   * Verifies a token and decides. Never throws or rejects: hostile input becomes a `deny`
   * verdict with its code; a context that cannot be read (a getter that throws) is `deny`
   * with `CONTEXT_INVALID`; an unexpected error is `INTERNAL_ERROR` under `onStoreError`.
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
  /** Retries writes waiting for the store; resolves how many still wait. */
  flush(): Promise<number>
  /** Stops background retries. Does not close the store. */
  close(): void
  /** The store in use. */
  readonly store: Store
}

/** Reason codes that raise an alert by default (see `alertOn`). */
export const DEFAULT_ALERT_ON: readonly ReasonCode[] = [
  'VELOCITY_IP_USERS',
  'VELOCITY_USER_IPS',
  'VELOCITY_DEVICE_USERS',
  'VELOCITY_REGISTRATIONS',
  'CARD_FAILURES',
]

export const OUTCOMES: readonly Outcome[] = [
  'login_succeeded',
  'login_failed',
  'challenge_passed',
  'challenge_failed',
  'order_accepted',
  'order_declined',
]
const LABELS: readonly Label[] = ['fraud', 'legit']
/** Most devices read per stored id when judging what a token's stored ids claim. */
const CLAIM_HOLDERS = 50

class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`store did not answer within ${ms} ms`)
    this.name = 'StoreTimeout'
  }
}

type Check = ParsedToken | { code: TokenErrorCode | 'STORE_UNAVAILABLE'; detail?: string }

/**
 * Creates a verifier. Validates the configuration up front and throws `KenchiError` with
 * a `CONFIG_*` code if it is wrong; after that, `verify()` never throws.
 */
export async function createVerifier(options: VerifierOptions): Promise<Verifier> {
  const ring = createKeyRing(options.keys)
  const hashKey = secretBytes(options.hashSecret, 'CONFIG_HASH_SECRET', 'hashSecret')
  const origins = new Set(options.origins ?? [])
  if (origins.size === 0) throw new KenchiError('CONFIG_ORIGINS', 'origins: list the page origins, e.g. ["https://shop.example"]')
  for (const origin of origins) {
    if (!ORIGIN_PATTERN.test(origin)) throw new KenchiError('CONFIG_ORIGINS', `origins: ${origin} is not scheme://host[:port]`)
  }
  const limits: Limits = { ...LIMITS, ...options.limits }
  const ttl = seconds(options.challengeTtl ?? 600, 'challengeTtl', 1)
  const tolerance = seconds(options.clockTolerance ?? 30, 'clockTolerance', 0)
  const storeTimeout = seconds(options.storeTimeout ?? 1000, 'storeTimeout', 1)
  let policy = mergePolicy(DEFAULT_POLICY, options.policy)
  const store = options.store ?? memoryStore()
  const rules = [...(options.rules ?? defaultRules())]
  for (const rule of rules) {
    if (typeof rule?.evaluate !== 'function' || typeof rule.name !== 'string' || (rule.mode !== 'live' && rule.mode !== 'monitor')) {
      throw new KenchiError('CONFIG_RULE', 'rules: each rule needs a name, a mode and evaluate(); build rules with their factories')
    }
  }
  const now = options.now ?? Date.now
  const testMode = resolveTestMode(options.testMode, process.env.NODE_ENV)
  const verifyDevice = createDeviceVerifier()
  const outbox = createOutbox()
  const onAlert = options.onAlert
  const raise = (alert: Alert) => {
    if (onAlert) Promise.resolve().then(() => onAlert(alert)).catch(() => undefined)
  }
  const attack = new AttackMonitor(store, () => policy.attack, raise)
  const alertOn = new Set<string>(options.alertOn ?? DEFAULT_ALERT_ON)

  /** A store call that fails instead of hanging. */
  function guarded<T>(call: () => Promise<T>): Promise<T> {
    return withTimeout(call, storeTimeout, () => new StoreTimeout(storeTimeout))
  }

  function hashIdentity(kind: 'user' | 'email', value: string): string {
    const normal = kind === 'email' ? value.trim().toLowerCase() : value
    return createHmac('sha256', hashKey).update(`${kind}:${normal}`, 'utf8').digest('base64url')
  }

  async function challenge({ action, origin }: { action: string; origin: string }): Promise<IssuedChallenge> {
    if (typeof action !== 'string' || !ACTION_PATTERN.test(action)) {
      throw new KenchiError('CHALLENGE_ACTION', 'action: a lower-case word of up to 32 characters')
    }
    if (!origins.has(origin)) throw new KenchiError('CHALLENGE_ORIGIN', `origin ${String(origin).slice(0, 100)} is not in origins`)
    const iat = Math.floor(now() / 1000)
    const pow = Math.max(powFor(policy, action), attack.powFor(action) ?? 0)
    const payload: ChallengePayload = {
      v: PROTOCOL_VERSION,
      kid: ring.signingId,
      n: randomBytes(16).toString('base64url'),
      iat,
      exp: iat + ttl,
      act: action,
      org: origin,
      ...(pow > 0 ? { pow } : {}),
    }
    const input = challengeSigningInput(payload)
    return { challenge: assembleChallenge(input, ring.mac(ring.signingId, input)), expiresAt: payload.exp * 1000 }
  }

  /**
   * How long a spent nonce is kept, from now: until exp + 2 × tolerance (+ 1 s) on this
   * server's clock. Another server sharing the store accepts the token until exp + tolerance
   * on its own clock; with clocks at most `tolerance` apart, that is before this moment, so
   * no server can accept the token a second time.
   */
  function nonceTtlMs(exp: number): number {
    return Math.max(1, (exp + 2 * tolerance) * 1000 - now() + 1000)
  }

  /** Runs the token checks in protocol order; resolves the parsed token or the failing code. */
  async function check(raw: unknown, context: VerifyContext): Promise<Check> {
    const parsed = parseToken(raw, limits)
    if (!parsed.ok) return parsed.detail === undefined ? { code: parsed.code } : { code: parsed.code, detail: parsed.detail }
    const token = parsed.value
    const c = token.challenge.payload
    if (!ring.has(c.kid)) return { code: 'CHALLENGE_UNKNOWN_KEY', detail: c.kid }
    if (!ring.verify(c.kid, token.challenge.signingInput, token.challenge.mac)) return { code: 'CHALLENGE_FORGED' }
    const at = now() / 1000
    if (at > c.exp + tolerance) return { code: 'TOKEN_EXPIRED', detail: `expired at ${c.exp}` }
    if (c.iat > at + tolerance) return { code: 'CHALLENGE_NOT_YET_VALID', detail: `issued at ${c.iat}` }
    if (c.act !== context.action) return { code: 'ACTION_MISMATCH', detail: `challenge for ${c.act}` }
    if (!origins.has(c.org) || token.body.o !== c.org || (context.origin !== undefined && context.origin !== c.org)) {
      return { code: 'ORIGIN_MISMATCH', detail: `challenge for ${c.org}` }
    }
    // Everything above and the two checks below need no store: a failing store can never
    // skip them, and only a validly signed token with its proof of work spends a nonce.
    if (!verifyDevice(token)) return { code: 'DEVICE_SIGNATURE_INVALID' }
    if (!(await checkPow(c.n, c.pow ?? 0, token.body.w))) return { code: 'POW_INVALID' }
    let first: boolean
    try {
      first = await guarded(() => store.setIfAbsent(nonceKey(c.n), nonceTtlMs(c.exp)))
    } catch (error) {
      return { code: 'STORE_UNAVAILABLE', detail: describe(error) }
    }
    if (!first) return { code: 'TOKEN_REPLAYED' }
    return token
  }

  async function verify(raw: unknown, input: VerifyContext): Promise<Verdict> {
    const eventId = randomUUID()
    const current = policy
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
    const userHash = context.userId !== undefined ? hashIdentity('user', context.userId) : undefined
    // The identifier tried at login: hashed like a user id, so an existing account's login id
    // and user id agree. Velocity and attack mode count it; history uses userHash only.
    const loginHash = context.loginId === undefined ? undefined : context.loginId === context.userId ? userHash : hashIdentity('user', context.loginId)
    const emailHash = context.email !== undefined ? hashIdentity('email', context.email) : undefined
    let outcome: Omit<Verdict, 'eventId' | 'mode'>
    const seen: Seen = {}
    try {
      outcome = await evaluate(raw, context, current, { userHash, loginHash: loginHash ?? userHash, emailHash }, seen)
    } catch (error) {
      outcome = failure('INTERNAL_ERROR', current.onStoreError, describe(error))
    }
    const verdict: Verdict = { ...outcome, eventId, mode: current.mode }
    if (onAlert) {
      for (const reason of [...verdict.reasons, ...(verdict.monitored ?? [])]) {
        if (!alertOn.has(reason.code)) continue
        raise({
          kind: reason.code,
          code: reason.code,
          at: now(),
          detail: { eventId, action: context.action, ...(context.ip !== undefined ? { ip: context.ip } : {}), ...reason.detail },
        })
      }
    }
    const fingerprint = seen.fingerprint
    if (current.mode === 'monitor') {
      verdict.wouldBe = outcome.wouldBe ?? outcome.decision
      verdict.decision = 'allow'
    }
    const event: EventRecord = {
      id: eventId,
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
      ...(userHash !== undefined ? { userHash } : {}),
      ...(loginHash !== undefined ? { loginHash } : {}),
      ...(emailHash !== undefined ? { emailHash } : {}),
      ...(fingerprint !== undefined ? { fingerprint } : {}),
    }
    try {
      // The event of a request without a valid token (anyone can send any number) is `bulk`:
      // during an outage it may fill only half the write queue, never the labels' and outcomes' half.
      const status = await outbox.submit(() => guarded(() => store.recordEvent({ ...event, reasons: [...event.reasons] })), { bulk: verdict.device === undefined })
      if (status === 'queued') {
        verdict.reasons.push({ code: 'STORE_UNAVAILABLE', weight: 0, detail: { while: 'recording the event', queued: true } })
      }
    } catch (error) {
      verdict.reasons.push({ code: 'STORE_UNAVAILABLE', weight: 0, detail: { while: 'recording the event', error: describe(error) } })
    }
    return verdict
  }

  async function evaluate(
    raw: unknown,
    context: VerifyContext,
    current: Policy,
    { userHash, loginHash, emailHash }: { userHash: string | undefined; loginHash: string | undefined; emailHash: string | undefined },
    seen: Seen,
  ): Promise<Omit<Verdict, 'eventId' | 'mode'>> {
    const checked = await check(raw, context)
    if (!('raw' in checked)) {
      if (checked.code === 'TOKEN_MISSING') return failure('TOKEN_MISSING', current.missingToken, checked.detail)
      if (checked.code === 'STORE_UNAVAILABLE') return failure('STORE_UNAVAILABLE', current.onStoreError, checked.detail)
      return failure(checked.code, 'deny', checked.detail)
    }
    const token = checked
    const deviceId = deviceThumbprint(token.body.k)
    const at = now()
    let touched
    try {
      touched = await guarded(() => store.touchDevice(deviceId, token.body.k, at))
    } catch (error) {
      return failure('STORE_UNAVAILABLE', current.onStoreError, describe(error))
    }
    const device: VerdictDevice = {
      id: deviceId,
      status: touched.after.status,
      known: touched.before !== undefined,
      firstSeen: touched.after.firstSeen,
      ...(touched.before !== undefined ? { matchedBy: 'key' as const } : {}),
    }
    const clues = deviceClues(token.body.s)
    if (clues.hashes) seen.fingerprint = clues.hashes
    const notes: Reason[] = []
    try {
      await guarded(() => readStoredIdClaims(device, clues.storedIds, at))
    } catch (error) {
      // Stored ids are claims that can only add suspicion; the device key still identifies
      // the device. Said in the verdict, since a fraud device's id went unchecked.
      notes.push({ code: 'STORE_UNAVAILABLE', weight: 0, detail: { while: 'reading stored-id claims', error: describe(error) } })
    }
    const ruleInput: RuleInput = {
      context,
      token,
      device,
      clues,
      store,
      now: at,
      ...(userHash !== undefined ? { userHash } : {}),
      ...(loginHash !== undefined ? { loginHash } : {}),
      ...(emailHash !== undefined ? { emailHash } : {}),
    }
    if (testMode) {
      // Test mode: a valid token gets the fixed decision; no rule runs.
      const decision = testMode.decisionFor([context.loginId, context.userId, context.email])
      return { decision, score: decision === 'deny' ? 100 : decision === 'challenge' ? 50 : 0, reasons: [{ code: 'TEST_MODE', weight: 0, detail: { decision } }], device }
    }
    const live: Reason[] = [...notes]
    const monitored: Reason[] = []
    try {
      if (context.action === 'login') await guarded(() => attack.observeLogin(loginHash, at))
      await guarded(() => attack.check(at))
    } catch {
      // attack mode keeps its last state when the store cannot tell
    }
    const attackReason = attack.reasonFor(context.action)
    if (attackReason) live.push(attackReason)
    // Rules are independent, so they run concurrently: a verification waits for the slowest
    // rule's store round trips, not for their sum.
    const outcomes = await Promise.allSettled(rules.map(async (rule) => rule.evaluate(ruleInput)))
    outcomes.forEach((outcome, i) => {
      const rule = rules[i]!
      if (outcome.status === 'fulfilled') (rule.mode === 'monitor' ? monitored : live).push(...outcome.value)
      else live.push({ code: 'RULE_FAILED', weight: 0, detail: { rule: rule.name, error: describe(outcome.reason) } })
    })
    sortReasons(live)
    const thresholds = thresholdsFor(current, context.action)
    const { score, decision } = decide(live, thresholds)
    const next = statusAfterVerdict(device.status, decision, live)
    if (next !== device.status) {
      try {
        await guarded(() => store.setDeviceStatus(device.id, next))
        device.status = next
      } catch (error) {
        live.push({ code: 'STORE_UNAVAILABLE', weight: 0, detail: { while: 'updating the device status', error: describe(error) } })
      }
    }
    const result: Omit<Verdict, 'eventId' | 'mode'> = { decision, score, reasons: live, device }
    if (monitored.length > 0) {
      result.monitored = sortReasons(monitored)
      result.wouldBe = decide([...live, ...monitored], thresholds).decision
    }
    return result
  }

  /**
   * Reads what the token's stored ids claim, then links them to the device. Only the key
   * proves a device (docs/decisions/0006-device-trust.md): a stored id never makes a device
   * known or trusted. `device.linked` lists the devices that had one of these ids before
   * this key did: a copied cookie (`STORED_ID_CONFLICT`, in `deviceClaimsRule`) or a browser
   * that lost its key. If one of them is `fraud` and this device has not proven itself
   * (status `waiting` or `unknown`), it is judged `fraud` too (a fraudster who re-keyed stays
   * blocked while it presents the id); that verdict-time status is not written to the
   * store, so claims cannot fill it with unevictable fraud records.
   */
  async function readStoredIdClaims(device: VerdictDevice, storedIds: readonly string[], at: number): Promise<void> {
    if (storedIds.length === 0) return
    // Pairs are (device id, `sid:<id>`): the device on the user side, so a stored id never
    // counts as one more user of the device (SAME_DEVICE counts real user ids only).
    const holders = await Promise.all(storedIds.map((id) => store.listDeviceUsers(storedIdKey(id), CLAIM_HOLDERS)))
    const earlier = new Set<string>()
    let own: Map<string, number> | undefined
    for (const [i, list] of holders.entries()) {
      let mine = list.find((link) => link.userHash === device.id)?.firstSeen
      if (mine === undefined && device.known && list.length >= CLAIM_HOLDERS) {
        // Many later holders hide this device's own pair: read it from the device's side.
        own ??= new Map((await store.listUserDevices(device.id, 10)).map((link) => [link.deviceId, link.firstSeen]))
        mine = own.get(storedIdKey(storedIds[i]!))
      }
      for (const link of list) if (link.userHash !== device.id && link.firstSeen < (mine ?? Infinity)) earlier.add(link.userHash)
    }
    await Promise.all(storedIds.map((id) => store.linkUserDevice(device.id, storedIdKey(id), at)))
    if (earlier.size === 0) return
    device.linked = [...earlier]
    // Only a device that has not proven itself inherits fraud: a script that plants a fraud
    // device's id in a customer's storage cannot get a proven (valid) device blocked.
    if (device.status !== 'waiting' && device.status !== 'unknown') return
    const records = await Promise.all(device.linked.map((id) => store.getDevice(id)))
    if (records.some((r) => r?.status === 'fraud')) device.status = 'fraud'
  }

  /**
   * Appends to the event, then applies the effects (device status, trust, negative lists,
   * failure counters) as a second write, so a retry never appends the outcome twice.
   */
  async function report(
    eventId: string,
    patch: Parameters<Store['updateEvent']>[1],
    effects: (event: EventRecord) => Promise<void>,
  ): Promise<ReportStatus> {
    if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > 64) {
      throw new KenchiError('INPUT_INVALID', 'eventId: the eventId of a verdict')
    }
    try {
      const status = await outbox.submit(async () => {
        const updated = await guarded(() => store.updateEvent(eventId, patch))
        if (updated === undefined) throw new FinalError(new KenchiError('EVENT_UNKNOWN', `no event ${eventId}`))
      })
      const applied = await outbox.submit(async () => {
        const event = await guarded(() => store.getEvent(eventId))
        if (event !== undefined) await guarded(() => effects(event))
      })
      return status === 'done' && applied === 'done' ? 'recorded' : 'queued'
    } catch (error) {
      if (error instanceof KenchiError) throw error
      if (error instanceof OutboxFullError) throw new KenchiError('STORE_UNAVAILABLE', error.message, { cause: error })
      throw error
    }
  }

  return {
    challenge,
    verify,
    reportOutcome(eventId, outcome) {
      if (!OUTCOMES.includes(outcome)) {
        return Promise.reject(new KenchiError('INPUT_INVALID', `outcome: one of ${OUTCOMES.join(', ')}`))
      }
      const at = now()
      return report(eventId, { outcome: { outcome, at } }, (event) => applyOutcome(store, event, outcome, at))
    },
    label(eventId, label, { comment } = {}) {
      if (!LABELS.includes(label)) return Promise.reject(new KenchiError('INPUT_INVALID', "label: 'fraud' or 'legit'"))
      if (comment !== undefined && (typeof comment !== 'string' || comment.length > 500)) {
        return Promise.reject(new KenchiError('INPUT_INVALID', 'comment: a string of at most 500 characters'))
      }
      const at = now()
      return report(eventId, { label: { label, at, ...(comment !== undefined ? { comment } : {}) } }, (event) => applyLabel(store, event, label, at))
    },
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
        await guarded(async () => attack.check(now()))
      } catch {
        // attack mode keeps its last state when the store cannot tell
      }
      return attack.state
    },
    hashIdentity,
    flush: () => outbox.flush(),
    close: () => outbox.close(),
    store,
  }
}

/** What evaluation learnt that the event record keeps. */
interface Seen {
  fingerprint?: { coarse: string; fine: string }
}

/** A verdict for a failed check: the code is the only reason. */
function failure(code: ReasonCode, decision: Decision, detail?: string): Omit<Verdict, 'eventId' | 'mode'> {
  const weight = decision === 'deny' ? 100 : decision === 'challenge' ? 50 : 0
  const reason: Reason = detail === undefined ? { code, weight } : { code, weight, detail: { message: detail } }
  return { decision, score: weight, reasons: [reason] }
}

const MAX_IDENTITY = 512

/** A context with the right types only: hostile or sloppy values are dropped, never trusted. */
function normaliseContext(input: unknown): VerifyContext {
  const c = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>
  const text = (v: unknown, max = MAX_IDENTITY) => (typeof v === 'string' && v.length <= max ? v : undefined)
  const headers = typeof c.headers === 'object' && c.headers !== null ? (c.headers as VerifyContext['headers']) : undefined
  const header = (name: string) => {
    const value = headers?.[name]
    return text(Array.isArray(value) ? value[0] : value, 2048)
  }
  const out: VerifyContext = { action: text(c.action, 64) ?? '' }
  // Not an IP address (e.g. a forged X-Forwarded-For a proxy passed on): not recorded, not counted.
  const ip = parseIp(c.ip) !== undefined ? (c.ip as string).trim() : undefined
  const userAgent = text(c.userAgent, 2048) ?? header('user-agent')
  const origin = text(c.origin, 256) ?? header('origin')
  const userId = text(c.userId)
  const loginId = text(c.loginId)
  const email = text(c.email)
  if (ip !== undefined) out.ip = ip
  if (userAgent !== undefined) out.userAgent = userAgent
  if (origin !== undefined) out.origin = origin
  if (headers !== undefined) out.headers = headers
  if (userId !== undefined && userId.length > 0) out.userId = userId
  if (loginId !== undefined && loginId.length > 0) out.loginId = loginId
  if (email !== undefined && email.trim().length > 0) out.email = email
  if (typeof c.fields === 'object' && c.fields !== null) out.fields = c.fields as Record<string, unknown>
  return out
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  } catch {
    return 'an error that cannot be printed' // thrown by hostile input: a getter, a proxy trap
  }
}

function seconds(value: number, name: string, min: number): number {
  return optionChecks('CONFIG_TIME', '').number(name, value, { min })
}

import { createHmac, randomBytes } from 'node:crypto'
import { KenchiError } from '../errors.js'
import { deliverInBackground, optionChecks, settle } from './options.js'
import { secretBytes } from '../keys.js'
import { stepUpKeys as keys, type StepUpKey } from '../store-keys/stepup.js'
import type { EventRecord, Store } from '../stores/types.js'
import type { Verifier } from '../verifier.js'
import { attemptCounter, newCode, storeGuard, typedCode, type Result } from './attempt.js'
import type { CodeSender } from './sender.js'
import { base32Decode, verifyTotp, type TotpOptions } from './totp.js'

/** Stable codes of a step-up that did not go through. */
export type StepUpErrorCode =
  | 'STEP_UP_INPUT_INVALID'
  | 'STEP_UP_EVENT_UNKNOWN'
  | 'STEP_UP_NOT_ALLOWED'
  | 'STEP_UP_MISMATCH'
  | 'STEP_UP_NOT_STARTED'
  | 'STEP_UP_WRONG_CODE'
  | 'STEP_UP_EXPIRED'
  | 'STEP_UP_USED'
  | 'STEP_UP_TOO_MANY_ATTEMPTS'
  | 'STEP_UP_COOLDOWN'
  | 'STEP_UP_RESEND_LIMIT'
  | 'STEP_UP_RATE_LIMITED'
  | 'STEP_UP_PASSKEY_INVALID'

export const STEP_UP_ERROR_CODES: readonly StepUpErrorCode[] = [
  'STEP_UP_INPUT_INVALID',
  'STEP_UP_EVENT_UNKNOWN',
  'STEP_UP_NOT_ALLOWED',
  'STEP_UP_MISMATCH',
  'STEP_UP_NOT_STARTED',
  'STEP_UP_WRONG_CODE',
  'STEP_UP_EXPIRED',
  'STEP_UP_USED',
  'STEP_UP_TOO_MANY_ATTEMPTS',
  'STEP_UP_COOLDOWN',
  'STEP_UP_RESEND_LIMIT',
  'STEP_UP_RATE_LIMITED',
  'STEP_UP_PASSKEY_INVALID',
]

export interface StepUpFailure {
  ok: false
  code: StepUpErrorCode
  /** For `STEP_UP_WRONG_CODE`: attempts left before `STEP_UP_TOO_MANY_ATTEMPTS`. */
  attemptsLeft?: number
  /** For `STEP_UP_COOLDOWN` and `STEP_UP_RATE_LIMITED`: wait at least this long, ms (an upper bound). */
  retryAfterMs?: number
}

export interface StepUpStarted {
  ok: true
  /** The channel the code went out on (`email`, `sms`...). */
  channel: string
  /** When the code stops working, Unix ms. */
  expiresAt: number
  /** The earliest time a resend is accepted, Unix ms. */
  resendAfter: number
}

export interface StepUpOptions {
  /** The verifier whose events the step-ups belong to; its store keeps the code state. */
  verifier: Verifier
  /** Secret (≥ 32 bytes) keying the code hashes. Not the verifier's keys. */
  secret: string | Uint8Array
  /** Delivers the codes, e.g. `emailSender({ transport, from })`. */
  sender: CodeSender
  /** Digits per code, 4–10. Default 6. */
  codeLength?: number
  /** How long a code works, ms. Default 10 minutes. */
  ttlMs?: number
  /** Wrong codes allowed per event, across resends. Default 5. */
  maxAttempts?: number
  /** Resends: at most `max` after the first code, each at least `cooldownMs` after the previous one. Default 3 and 30 s. */
  resend?: { cooldownMs?: number; max?: number }
  /**
   * Step-up requests (starts and checks together) per user, device and IP within
   * `windowMs`. Default 20 per user, 20 per device, 60 per IP and 10 codes per address, per hour.
   */
  limits?: { user?: number; device?: number; ip?: number; address?: number; windowMs?: number }
  /** How long after the verdict a step-up may start, ms. Default 30 minutes. */
  eventMaxAgeMs?: number
  /** Called when a delivery fails (the start has already answered). */
  onDeliveryError?: (error: unknown) => void
  /**
   * Passkey step-up (WebAuthn through the optional peer dependency `@simplewebauthn/server`):
   * the relying-party id (the shop's domain) and the page origins. Without it the passkey
   * methods throw `CONFIG_STEP_UP`.
   */
  passkey?: { rpId: string; origins: readonly string[]; timeoutMs?: number; userVerification?: 'required' | 'preferred' | 'discouraged' }
  /** TOTP settings for `checkTotp`. Default: 30 s steps, 6 digits, SHA-1, ±1 step. */
  totp?: TotpOptions & { window?: number }
  /** Clock, Unix ms (tests). Use the same clock as the store. */
  now?: () => number
}

/**
 * Who a step-up is for: `loginId`, the identifier given to `verify()` as `loginId` (what
 * the customer typed). `userId` is accepted as a synonym: either of the event's identities
 * matches. See docs/decisions/0007-login-identity.md.
 */
export type StepUpIdentity = { loginId: string; userId?: string } | { userId: string; loginId?: string }

export interface StepUp {
  /**
   * Issues a code for a verdict and sends it to `to`, the address the app has on file for
   * the account. Pass `to: undefined` when there is no such account: the answer is the same
   * and nothing is sent. Resolves before the delivery finishes.
   */
  start(request: StepUpIdentity & { eventId: string; to: string | undefined; ip?: string }): Promise<StepUpStarted | StepUpFailure>
  /**
   * Checks a code typed by the user. On success reports `challenge_passed` (the device is
   * now trusted for the user); on the last allowed wrong attempt reports
   * `challenge_failed` (once per event). `deviceId`, when given (from a verdict in the same request),
   * must be the event's device.
   */
  check(request: StepUpIdentity & { eventId: string; code: string; deviceId?: string; ip?: string }): Promise<{ ok: true } | StepUpFailure>
  /**
   * Checks a code from the user's authenticator app (TOTP, RFC 6238) instead of a mailed
   * one; `secret` is the user's enrolled secret (base32 or bytes). Needs no `start()`.
   * Same bindings, attempts, limits and outcomes as `check`; a code already used for this
   * user reads `STEP_UP_USED`. `secret: undefined` (no such account, or no authenticator
   * enrolled) answers exactly as a wrong code does.
   */
  checkTotp(
    request: StepUpIdentity & { eventId: string; code: string; secret: string | Uint8Array | undefined; deviceId?: string; ip?: string },
  ): Promise<{ ok: true } | StepUpFailure>
  /**
   * WebAuthn request options for a passkey step-up: pass them to
   * `navigator.credentials.get()` (e.g. `PublicKeyCredential.parseRequestOptionsFromJSON`).
   * `credentials` are the user's registered passkeys from your user table; `[]` for an
   * unknown account (or one without passkeys) lists one decoy id derived from the login
   * hash, the same on every request, so the answer does not tell.
   */
  passkeyOptions(
    request: StepUpIdentity & { eventId: string; credentials: ReadonlyArray<{ id: string; transports?: string[] }>; ip?: string },
  ): Promise<{ ok: true; options: Record<string, unknown> } | StepUpFailure>
  /**
   * Checks the browser's assertion (`credential.toJSON()`) against the stored passkey
   * `{ id, publicKey, counter }`. On success reports `challenge_passed` and resolves the
   * authenticator's new signature counter to save. `credential: undefined` (no such
   * account or passkey) answers exactly as an assertion that does not verify.
   */
  checkPasskey(
    request: StepUpIdentity & {
      eventId: string
      response: unknown
      credential: { id: string; publicKey: Uint8Array; counter: number; transports?: string[] } | undefined
      deviceId?: string
      ip?: string
    },
  ): Promise<{ ok: true; newCounter: number } | StepUpFailure>
  /** Resolves when deliveries started so far have finished (tests, graceful shutdown). */
  flush(): Promise<void>
}

const EVENT_ID = /^[\w-]{1,64}$/

/** The fields every step-up request has: the event, who it is for, the request's IP. */
type Addressed = { eventId?: unknown; loginId?: unknown; userId?: unknown; ip?: string }

type Step<T> = Result<T, StepUpFailure>

/** How a credential check judged the credential, once its attempt was counted. */
type Verified<T> =
  | {
      ok: true
      /** Added to the `{ ok: true }` answer (the passkey's `newCounter`). */
      value: T
      /** A single-use mark set (`setIfAbsent`) before the step-up is marked done; taken already reads `STEP_UP_USED`. */
      claim?: { key: StepUpKey; ttlMs: number }
      /** Keys deleted once the step-up is done (the code, its freshness, the passkey challenge). */
      spent: readonly StepUpKey[]
    }
  | {
      ok: false
      code: 'STEP_UP_WRONG_CODE' | 'STEP_UP_PASSKEY_INVALID' | 'STEP_UP_EXPIRED'
      /** Whether the answer tells `attemptsLeft`. */
      countdown: boolean
    }

/**
 * One kind of credential in the step-up attempt flow: a mailed code, a TOTP code, a passkey
 * assertion. The flow ({@link createStepUp}'s `attempt`) does everything around it in one
 * order for all kinds: load the event, check the bindings, refuse a step-up already done (or
 * not started, `needsStart`), count the rate limits, `prepare`, count the attempt, `verify`,
 * lock after the last allowed attempt, mark done, report `challenge_passed`.
 */
interface CredentialCheck<P, T> {
  /** `STEP_UP_NOT_STARTED` unless `start()` or `passkeyOptions()` ran for the event. */
  readonly needsStart: boolean
  /** Runs after the rate limits, before the attempt is counted: a refusal here costs no attempt. Its value goes to `verify`. */
  readonly prepare?: (event: EventRecord, at: number) => Promise<Step<P>>
  /** Runs after the attempt is counted: whether the credential is right. */
  readonly verify: (event: EventRecord, at: number, prepared: P) => Promise<Verified<T>>
}

/** What `admit` checks before a step-up request does anything (see `attempt`, `start`, `passkeyOptions`). */
interface Admission {
  /** The step-up may only begin within `eventMaxAgeMs` of the verdict (`start`, `passkeyOptions`). */
  fresh?: boolean
  /** A binding of the request to the event (device, address): `false` reads `STEP_UP_MISMATCH`. */
  binds?: (event: EventRecord) => boolean
  /** `STEP_UP_NOT_STARTED` unless the step-up was started. */
  needsStart?: boolean
  /** The request sends a code to `to` (`start`): counted per address too, on a throwaway key when `undefined`. */
  sends?: { to: string | undefined }
}

/**
 * Creates step-up by one-time code, authenticator app (TOTP) or passkey. The three checks
 * run one attempt flow (`attempt`, docs/step-up.md "How a check runs"); the state lives in
 * the verifier's store under the `su:` keys of `store-keys/stepup.ts`. Throws `KenchiError`
 * `CONFIG_STEP_UP` for bad options.
 */
export function createStepUp(options: StepUpOptions): StepUp {
  const { fail, int } = optionChecks('CONFIG_STEP_UP', 'createStepUp')
  const verifier = options.verifier
  if (!verifier || typeof verifier.reportOutcome !== 'function') fail('verifier is required')
  const key = secretBytes(options.secret, 'CONFIG_STEP_UP', 'createStepUp: secret')
  const sender = options.sender
  if (!sender || typeof sender.send !== 'function') fail('sender is required, e.g. emailSender({ transport, from })')
  const digits = int(options.codeLength, 'codeLength', 4, 10, 6)
  const ttl = int(options.ttlMs, 'ttlMs', 1000, 24 * 3600_000, 10 * 60_000)
  const maxAttempts = int(options.maxAttempts, 'maxAttempts', 1, 100, 5)
  const cooldown = int(options.resend?.cooldownMs, 'resend.cooldownMs', 0, 3600_000, 30_000)
  const maxResends = int(options.resend?.max, 'resend.max', 0, 100, 3)
  const limitWindow = int(options.limits?.windowMs, 'limits.windowMs', 1000, 7 * 24 * 3600_000, 3600_000)
  const limits = {
    user: int(options.limits?.user, 'limits.user', 1, 1_000_000, 20),
    dev: int(options.limits?.device, 'limits.device', 1, 1_000_000, 20),
    ip: int(options.limits?.ip, 'limits.ip', 1, 1_000_000, 60),
    to: int(options.limits?.address, 'limits.address', 1, 1_000_000, 10),
  }
  const maxAge = int(options.eventMaxAgeMs, 'eventMaxAgeMs', 1000, 24 * 3600_000, 30 * 60_000)
  /** State lives as long as the event may be stepped up, plus one code lifetime. */
  const span = maxAge + ttl * (maxResends + 1) + cooldown * maxResends
  const now = options.now ?? Date.now
  const onDeliveryError = options.onDeliveryError ?? (() => {})
  const store: Store = verifier.store
  const attempts = attemptCounter(store, maxAttempts, span)
  const pending = new Set<Promise<void>>()
  const totpOptions = options.totp ?? {}
  try {
    verifyTotp(Buffer.alloc(10), '0'.repeat(totpOptions.digits ?? 6), 0, totpOptions) // validates the settings
  } catch (error) {
    fail(`totp: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (totpOptions.window !== undefined && (!Number.isInteger(totpOptions.window) || totpOptions.window < 0 || totpOptions.window > 10))
    fail('totp.window must be 0–10')

  const mac = (...parts: string[]) => createHmac('sha256', key).update(parts.join('\n'), 'utf8').digest('base64url')
  /** The identity a step-up is bound to: the login hash (known and unknown accounts alike), else the user hash. */
  const who = (event: EventRecord): string => event.loginHash ?? event.userHash ?? ''
  const failure = (code: StepUpErrorCode, extra: Partial<StepUpFailure> = {}): StepUpFailure => ({ ok: false, code, ...extra })
  const refuse = (code: StepUpErrorCode, extra?: Partial<StepUpFailure>): { ok: false; failure: StepUpFailure } => ({
    ok: false,
    failure: failure(code, extra),
  })
  const go = <T>(value: T): Step<T> => ({ ok: true, value })
  /** The public answer of a flow: its failure, or `{ ok: true }` with what it found. */
  const answer = <T extends object>(step: Step<T>): ({ ok: true } & T) | StepUpFailure =>
    step.ok ? { ok: true, ...step.value } : step.failure
  const guard = <T>(call: () => Promise<T>): Promise<T> => storeGuard('step-up', call)

  /** The store key of one code: a keyed hash of everything the code is bound to. The code itself is never stored. */
  const codeKey = (event: EventRecord, gen: number, code: string) =>
    keys.code(event.id, gen, mac('code', event.id, String(gen), who(event), event.deviceId ?? '', event.action, code))

  /** Counts one request per user, device and IP (and address, for a start); refused when any is over its limit. */
  async function rateLimit(event: EventRecord, ip: string | undefined, sends: Admission['sends'], at: number): Promise<Step<void>> {
    const counters: Array<[StepUpKey, number]> = [[keys.rateUser(who(event)), limits.user]]
    if (event.deviceId !== undefined) counters.push([keys.rateDevice(event.deviceId), limits.dev])
    const addr = ip ?? event.ip
    if (addr !== undefined) counters.push([keys.rateIp(addr), limits.ip])
    if (sends?.to !== undefined) counters.push([keys.rateAddress(mac('to', sends.to.trim().toLowerCase())), limits.to])
    // No address (an unknown account): the same number of store round trips, on a throwaway key.
    else if (sends) counters.push([keys.rateAddress(randomBytes(16).toString('base64url')), limits.to])
    let over = false
    for (const [name, max] of counters) if ((await store.hit(name, limitWindow, at)) > max) over = true
    return over ? refuse('STEP_UP_RATE_LIMITED', { retryAfterMs: limitWindow }) : go(undefined)
  }

  /** Reads the event and checks it belongs to this identity and may be stepped up. */
  async function load(request: Addressed, at: number): Promise<Step<EventRecord>> {
    const { eventId } = request
    const id = request.loginId ?? request.userId
    if (typeof eventId !== 'string' || !EVENT_ID.test(eventId) || typeof id !== 'string' || id.length === 0 || id.length > 512) {
      return refuse('STEP_UP_INPUT_INVALID')
    }
    const event = await store.getEvent(eventId)
    if (!event) return refuse('STEP_UP_EVENT_UNKNOWN')
    // The login hash (what was typed, known account or not) or the user hash: either identity of the event.
    const hash = verifier.hashIdentity('user', id)
    if (hash !== event.loginHash && hash !== event.userHash) return refuse('STEP_UP_MISMATCH')
    if (event.decision === 'deny') return refuse('STEP_UP_NOT_ALLOWED')
    if (at - event.at > span) return refuse('STEP_UP_EXPIRED')
    return go(event)
  }

  /**
   * The checks every step-up request passes first, in this order: the event (`load`), its
   * age, the request's bindings, not done yet, started, the rate limits (counted here, so a
   * refused request still counts).
   */
  async function admit(request: Addressed, at: number, rules: Admission): Promise<Step<EventRecord>> {
    const loaded = await load(request, at)
    if (!loaded.ok) return loaded
    const event = loaded.value
    if (rules.fresh && at - event.at > maxAge) return refuse('STEP_UP_EXPIRED')
    if (rules.binds && !rules.binds(event)) return refuse('STEP_UP_MISMATCH')
    if (await store.has(keys.done(event.id))) return refuse('STEP_UP_USED')
    if (rules.needsStart && !(await store.has(keys.started(event.id)))) return refuse('STEP_UP_NOT_STARTED')
    const limited = await rateLimit(event, request.ip, rules.sends, at)
    return limited.ok ? loaded : limited
  }

  /**
   * The attempt flow shared by `check`, `checkTotp` and `checkPasskey`: admit the request
   * (`deviceId`, when given, must be the event's), let the credential `prepare`, count the
   * attempt (one too many reads `STEP_UP_TOO_MANY_ATTEMPTS` before the credential is
   * looked at), `verify`; a wrong credential on the last allowed attempt reports
   * `challenge_failed` once; a right one marks the step-up done (single use), deletes what it
   * spent and reports `challenge_passed`.
   */
  async function attempt<P, T>(
    request: Addressed & { deviceId?: string },
    at: number,
    credential: CredentialCheck<P, T>,
  ): Promise<Step<T>> {
    const admitted = await admit(request, at, {
      binds: (event) => request.deviceId === undefined || request.deviceId === event.deviceId,
      needsStart: credential.needsStart,
    })
    if (!admitted.ok) return admitted
    const event = admitted.value
    const prepared = credential.prepare ? await credential.prepare(event, at) : go(undefined as P)
    if (!prepared.ok) return prepared
    const left = await attempts.count(keys.attempts(event.id), at)
    if (left === undefined) return refuse('STEP_UP_TOO_MANY_ATTEMPTS')
    const verified = await credential.verify(event, at, prepared.value)
    if (!verified.ok) {
      if (left === 0) await failOnce(event)
      return refuse(verified.code, verified.countdown ? { attemptsLeft: left } : {})
    }
    if (verified.claim && !(await store.setIfAbsent(verified.claim.key, verified.claim.ttlMs))) return refuse('STEP_UP_USED')
    if (!(await store.setIfAbsent(keys.done(event.id), span))) return refuse('STEP_UP_USED')
    for (const spent of verified.spent) await store.deleteKey(spent)
    await verifier.reportOutcome(event.id, 'challenge_passed')
    return go(verified.value)
  }

  /** Reports `challenge_failed` once per event (the last allowed attempt failed). */
  async function failOnce(event: EventRecord): Promise<void> {
    if (await store.setIfAbsent(keys.failed(event.id), span)) await verifier.reportOutcome(event.id, 'challenge_failed')
  }

  /**
   * A mailed code. Before the attempt: no attempt left reads `STEP_UP_TOO_MANY_ATTEMPTS`, and
   * an expired code costs no attempt (the user asks for a new one). The code is looked up by
   * its keyed hash, never compared digit by digit; only the latest generation works (an
   * earlier code after a resend is a wrong code).
   */
  const mailedCode = (code: string): CredentialCheck<number, object> => ({
    needsStart: true,
    async prepare(event, at) {
      if (await attempts.exhausted(keys.attempts(event.id), at)) return refuse('STEP_UP_TOO_MANY_ATTEMPTS')
      const gen = await store.countHits(keys.generations(event.id), span, at)
      if (!(await store.has(keys.live(event.id, gen)))) return refuse('STEP_UP_EXPIRED')
      return go(gen)
    },
    async verify(event, _at, gen) {
      const hashed = codeKey(event, gen, code)
      if (!(await store.has(hashed))) return { ok: false, code: 'STEP_UP_WRONG_CODE', countdown: true }
      return { ok: true, value: {}, spent: [hashed, keys.live(event.id, gen)] }
    },
  })

  /**
   * An authenticator app's code (RFC 6238) under `secret`; `known` is false for a random
   * stand-in secret (no account), which does the same work but never passes, even by a
   * one-in-a-million match. A TOTP code stays valid for a while, so it is claimed for the
   * user: a second use reads `STEP_UP_USED`.
   */
  const totpCode = (code: string, secret: Uint8Array, known: boolean): CredentialCheck<undefined, object> => ({
    needsStart: false,
    async verify(event, at) {
      const checked = verifyTotp(secret, code, at, totpOptions)
      const counter = known ? checked : undefined
      if (counter === undefined) return { ok: false, code: 'STEP_UP_WRONG_CODE', countdown: true }
      const step = (totpOptions.step ?? 30) * 1000
      const claim = { key: keys.totpUsed(event.userHash ?? who(event), counter), ttlMs: step * (2 * (totpOptions.window ?? 1) + 2) }
      return { ok: true, value: {}, claim, spent: [] }
    },
  })

  /**
   * A WebAuthn assertion. It must sign a challenge `passkeyOptions` issued for this event
   * (else `STEP_UP_EXPIRED`, an attempt all the same), then verify against the stored
   * passkey; no stored passkey (an unknown account) answers as a bad signature does.
   */
  const passkeyAssertion = (
    lib: WebAuthn,
    challenge: string,
    response: unknown,
    credential: StoredPasskey | undefined,
  ): CredentialCheck<undefined, { newCounter: number }> => ({
    needsStart: true,
    async verify(event) {
      const challengeKey = keys.passkeyChallenge(event.id, mac('passkey', event.id, challenge))
      if (!(await store.has(challengeKey))) return { ok: false, code: 'STEP_UP_EXPIRED', countdown: false }
      let verified: Awaited<ReturnType<WebAuthn['verifyAuthenticationResponse']>> | undefined
      try {
        // No stored passkey (an unknown account): nothing can verify; the answer is an invalid assertion's.
        if (credential === undefined) throw new Error('no credential')
        verified = await lib.verifyAuthenticationResponse({
          response: response as Parameters<WebAuthn['verifyAuthenticationResponse']>[0]['response'],
          expectedChallenge: challenge,
          expectedOrigin: [...passkey!.origins],
          expectedRPID: passkey!.rpId,
          credential: {
            id: credential.id,
            publicKey: credential.publicKey as never,
            counter: credential.counter,
            ...(credential.transports ? { transports: credential.transports as never } : {}),
          },
          requireUserVerification: passkey!.userVerification === 'required',
        })
      } catch {
        verified = undefined
      }
      if (!verified?.verified) return { ok: false, code: 'STEP_UP_PASSKEY_INVALID', countdown: true }
      return { ok: true, value: { newCounter: verified.authenticationInfo.newCounter }, spent: [challengeKey] }
    },
  })

  async function start(request: Parameters<StepUp['start']>[0]): Promise<StepUpStarted | StepUpFailure> {
    const at = now()
    const r = request ?? ({} as typeof request)
    const to = r.to
    if (to !== undefined && (typeof to !== 'string' || to.length === 0 || to.length > 320)) return failure('STEP_UP_INPUT_INVALID')
    return answer(
      await guard(async (): Promise<Step<Omit<StepUpStarted, 'ok'>>> => {
        const admitted = await admit(r, at, {
          fresh: true,
          // The address must be the one the verdict was given for, when the app passed one to verify().
          binds: (event) => to === undefined || event.emailHash === undefined || event.emailHash === verifier.hashIdentity('email', to),
          sends: { to },
        })
        if (!admitted.ok) return admitted
        const event = admitted.value
        if (!(await store.setIfAbsent(keys.cooldown(event.id), Math.max(1, cooldown))))
          return refuse('STEP_UP_COOLDOWN', { retryAfterMs: cooldown })
        if ((await store.countHits(keys.generations(event.id), span, at)) > maxResends) return refuse('STEP_UP_RESEND_LIMIT')
        const gen = await store.hit(keys.generations(event.id), span, at)
        if (gen > maxResends + 1) return refuse('STEP_UP_RESEND_LIMIT')
        const code = newCode(digits)
        // Three flags: the step-up exists, the hash of this generation's code, and its freshness.
        await store.setFlag(keys.started(event.id), span)
        await store.setFlag(codeKey(event, gen, code), span)
        await store.setFlag(keys.live(event.id, gen), ttl)
        const expiresAt = at + ttl
        if (to !== undefined) {
          deliverInBackground(pending, sender.send({ to, code, purpose: 'step-up', action: event.action, expiresAt }), onDeliveryError)
        }
        return go({ channel: sender.channel, expiresAt, resendAfter: at + cooldown })
      }),
    )
  }

  async function check(request: Parameters<StepUp['check']>[0]): Promise<{ ok: true } | StepUpFailure> {
    const at = now()
    const r = request ?? ({} as typeof request)
    const code = typedCode(r.code, digits)
    if (code === undefined) return failure('STEP_UP_INPUT_INVALID')
    return answer(await guard(() => attempt(r, at, mailedCode(code))))
  }

  async function checkTotp(request: Parameters<StepUp['checkTotp']>[0]): Promise<{ ok: true } | StepUpFailure> {
    const at = now()
    const r = request ?? ({} as typeof request)
    let secret: Uint8Array
    try {
      // No secret (an unknown account, or none enrolled): a random one, so the same checks run and the code is wrong.
      secret = r.secret === undefined ? randomBytes(20) : typeof r.secret === 'string' ? base32Decode(r.secret) : r.secret
    } catch {
      return failure('STEP_UP_INPUT_INVALID')
    }
    const code = typedCode(r.code, totpOptions.digits ?? 6)
    if (!(secret instanceof Uint8Array) || secret.length < 10 || code === undefined) return failure('STEP_UP_INPUT_INVALID')
    return answer(await guard(() => attempt(r, at, totpCode(code, secret, r.secret !== undefined))))
  }

  const passkey = options.passkey
  if (passkey !== undefined) {
    if (typeof passkey.rpId !== 'string' || !/^[a-z0-9.-]+$/i.test(passkey.rpId))
      fail('passkey.rpId must be a domain name, e.g. shop.example')
    if (
      !Array.isArray(passkey.origins) ||
      passkey.origins.length === 0 ||
      passkey.origins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/]+$/.test(o))
    ) {
      fail('passkey.origins must list the page origins, e.g. ["https://shop.example"]')
    }
  }
  const passkeyTimeout = passkey ? int(passkey.timeoutMs, 'passkey.timeoutMs', 10_000, 600_000, 120_000) : 0
  let webauthn: Promise<WebAuthn> | undefined
  const loadWebAuthn = (): Promise<WebAuthn> => {
    if (!passkey) return Promise.reject(new KenchiError('CONFIG_STEP_UP', 'createStepUp: set passkey: { rpId, origins } to use passkeys'))
    webauthn ??= import('@simplewebauthn/server').catch((error: unknown) => {
      webauthn = undefined
      throw new KenchiError(
        'CONFIG_STEP_UP',
        'passkeys need the optional dependency @simplewebauthn/server: npm install @simplewebauthn/server',
        { cause: error },
      )
    })
    return webauthn
  }

  async function passkeyOptions(
    request: Parameters<StepUp['passkeyOptions']>[0],
  ): Promise<{ ok: true; options: Record<string, unknown> } | StepUpFailure> {
    const lib = await loadWebAuthn()
    const at = now()
    const r = request ?? ({} as typeof request)
    if (!Array.isArray(r.credentials) || r.credentials.length > 100 || r.credentials.some((c) => typeof c?.id !== 'string')) {
      return failure('STEP_UP_INPUT_INVALID')
    }
    return answer(
      await guard(async (): Promise<Step<{ options: Record<string, unknown> }>> => {
        const admitted = await admit(r, at, { fresh: true })
        if (!admitted.ok) return admitted
        const event = admitted.value
        const generated = await lib.generateAuthenticationOptions({
          rpID: passkey!.rpId,
          // No passkeys (an unknown account, or none registered): one decoy id from the login
          // hash, the same on every request, so the options look like a real account's.
          allowCredentials:
            r.credentials.length > 0
              ? r.credentials.map((c) => ({ id: c.id, ...(c.transports ? { transports: c.transports as never } : {}) }))
              : [
                  {
                    id: createHmac('sha256', key)
                      .update(`passkey-decoy\n${who(event)}`)
                      .digest()
                      .subarray(0, 16)
                      .toString('base64url'),
                  },
                ],
          userVerification: passkey!.userVerification ?? 'preferred',
          timeout: passkeyTimeout,
        })
        await store.setFlag(keys.started(event.id), span)
        await store.setFlag(keys.passkeyChallenge(event.id, mac('passkey', event.id, generated.challenge)), passkeyTimeout)
        return go({ options: generated as unknown as Record<string, unknown> })
      }),
    )
  }

  async function checkPasskey(request: Parameters<StepUp['checkPasskey']>[0]): Promise<{ ok: true; newCounter: number } | StepUpFailure> {
    const lib = await loadWebAuthn()
    const at = now()
    const r = request ?? ({} as typeof request)
    const challenge = clientChallenge(r.response)
    const credential = r.credential
    if (
      challenge === undefined ||
      (credential !== undefined &&
        (typeof credential?.id !== 'string' || !(credential.publicKey instanceof Uint8Array) || typeof credential.counter !== 'number'))
    ) {
      return failure('STEP_UP_INPUT_INVALID')
    }
    return answer(await guard(() => attempt(r, at, passkeyAssertion(lib, challenge, r.response, credential))))
  }

  return {
    start,
    check,
    checkTotp,
    passkeyOptions,
    checkPasskey,
    flush: () => settle(pending),
  }
}

type WebAuthn = typeof import('@simplewebauthn/server')
type StoredPasskey = NonNullable<Parameters<StepUp['checkPasskey']>[0]['credential']>

/** The challenge inside a WebAuthn response's client data, or `undefined` if it is not one. */
function clientChallenge(response: unknown): string | undefined {
  const data = (response as { response?: { clientDataJSON?: unknown } } | null)?.response?.clientDataJSON
  if (typeof data !== 'string' || data.length > 4096) return undefined
  try {
    const parsed = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as { challenge?: unknown }
    return typeof parsed.challenge === 'string' && /^[\w-]{16,128}$/.test(parsed.challenge) ? parsed.challenge : undefined
  } catch {
    return undefined
  }
}

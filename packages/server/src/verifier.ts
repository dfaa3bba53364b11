import {
  ACTION_PATTERN,
  LIMITS,
  ORIGIN_PATTERN,
  PROTOCOL_VERSION,
  assembleChallenge,
  base64urlEncode,
  challengeSigningInput,
  checkPow,
  jwkThumbprint,
  parseToken,
  utf8,
  type ChallengePayload,
  type Limits,
  type ParsedToken,
  type TokenErrorCode,
} from '@kenchi/protocol'
import { verifyDeviceSignature } from './device.js'
import { KenchiError } from './errors.js'
import { importKeys, type ServerKey } from './keys.js'
import type { ReasonCode } from './reasons.js'
import { defaultRules } from './rules/index.js'
import type { Rule, VerifyContext } from './rules/types.js'
import { DEFAULT_THRESHOLDS, decide, sortReasons, type Thresholds } from './scoring.js'
import { memoryStore } from './stores/memory.js'
import type { Store } from './stores/types.js'
import type { Decision, Reason, Verdict, VerdictDevice } from './verdict.js'

export interface VerifierOptions {
  /** HMAC keys for challenges; the first signs, all verify (rotate by prepending). */
  keys: readonly ServerKey[]
  /** Page origins challenges may be issued for, e.g. `['https://shop.example']`. */
  origins: readonly string[]
  /** Where nonces, devices and events live. Default: a bounded in-memory store. */
  store?: Store
  /** Rules to run on valid tokens, in order. Default: `defaultRules()`. */
  rules?: readonly Rule[]
  /** Score thresholds: one set for all actions, optionally overridden per action. */
  thresholds?: Partial<Thresholds> & { actions?: Record<string, Partial<Thresholds>> }
  /** Challenge lifetime in seconds. Default 600. */
  challengeTtl?: number
  /** Clock tolerance in seconds for expiry and issue time. Default 30. */
  clockTolerance?: number
  /** Proof-of-work difficulty (leading zero bits) written into new challenges. Default 0 (none). */
  pow?: number
  /** Decision when no token was sent (no JavaScript, blocked script). Default `challenge`. */
  missingToken?: Decision
  /** Decision when the store or the verifier itself fails. Default `challenge`. */
  onStoreError?: Decision
  /** Tighter limits than the protocol's, if wanted. */
  limits?: Partial<Limits>
  /** Clock in Unix ms, for tests. */
  now?: () => number
}

export interface IssuedChallenge {
  /** The challenge string to hand to the client. */
  challenge: string
  /** Expiry, Unix ms. */
  expiresAt: number
}

export interface Verifier {
  /** Issues a signed challenge for an action and a page origin. Throws `KenchiError` for an origin not configured. */
  challenge(request: { action: string; origin: string }): Promise<IssuedChallenge>
  /** Verifies a token and decides. Never throws: hostile input becomes a `deny` verdict with its code. */
  verify(token: unknown, context: VerifyContext): Promise<Verdict>
  /** The store in use. */
  readonly store: Store
}

const DECISIONS: readonly Decision[] = ['allow', 'challenge', 'deny']

/**
 * Creates a verifier. Validates the configuration up front and throws `KenchiError` with
 * a `CONFIG_*` code if it is wrong; after that, nothing it returns throws on input.
 */
export async function createVerifier(options: VerifierOptions): Promise<Verifier> {
  const ring = await importKeys(options.keys)
  const origins = new Set(options.origins ?? [])
  if (origins.size === 0) throw new KenchiError('CONFIG_ORIGINS', 'origins: list the page origins, e.g. ["https://shop.example"]')
  for (const origin of origins) {
    if (!ORIGIN_PATTERN.test(origin)) throw new KenchiError('CONFIG_ORIGINS', `origins: ${origin} is not scheme://host[:port]`)
  }
  const limits: Limits = { ...LIMITS, ...options.limits }
  const ttl = positive(options.challengeTtl ?? 600, 'challengeTtl')
  const tolerance = nonNegative(options.clockTolerance ?? 30, 'clockTolerance')
  const pow = options.pow ?? 0
  if (!Number.isInteger(pow) || pow < 0 || pow > LIMITS.maxPowDifficulty) {
    throw new KenchiError('CONFIG_POW', `pow: an integer 0–${LIMITS.maxPowDifficulty}`)
  }
  const missingToken = decision(options.missingToken ?? 'challenge', 'missingToken')
  const onStoreError = decision(options.onStoreError ?? 'challenge', 'onStoreError')
  const store = options.store ?? memoryStore()
  const rules = [...(options.rules ?? defaultRules())]
  const baseThresholds = thresholds({ ...DEFAULT_THRESHOLDS, ...options.thresholds }, 'thresholds')
  const actionThresholds = new Map<string, Thresholds>()
  for (const [action, t] of Object.entries(options.thresholds?.actions ?? {})) {
    actionThresholds.set(action, thresholds({ ...baseThresholds, ...t }, `thresholds.actions.${action}`))
  }
  const now = options.now ?? Date.now

  async function challenge({ action, origin }: { action: string; origin: string }): Promise<IssuedChallenge> {
    if (typeof action !== 'string' || !ACTION_PATTERN.test(action)) {
      throw new KenchiError('CHALLENGE_ACTION', 'action: a lower-case word of up to 32 characters')
    }
    if (!origins.has(origin)) throw new KenchiError('CHALLENGE_ORIGIN', `origin ${String(origin)} is not in origins`)
    const iat = Math.floor(now() / 1000)
    const payload: ChallengePayload = {
      v: PROTOCOL_VERSION,
      kid: ring.signingId,
      n: base64urlEncode(crypto.getRandomValues(new Uint8Array(16))),
      iat,
      exp: iat + ttl,
      act: action,
      org: origin,
      ...(pow > 0 ? { pow } : {}),
    }
    const input = challengeSigningInput(payload)
    const mac = await crypto.subtle.sign('HMAC', ring.get(ring.signingId)!, utf8(input) as Uint8Array<ArrayBuffer>)
    return { challenge: assembleChallenge(input, new Uint8Array(mac)), expiresAt: payload.exp * 1000 }
  }

  /** Runs the token checks in protocol order; resolves the parsed token or the failing code. */
  async function check(raw: unknown, context: VerifyContext): Promise<ParsedToken | { code: TokenErrorCode | 'STORE_UNAVAILABLE'; detail?: string }> {
    const parsed = parseToken(raw, limits)
    if (!parsed.ok) return parsed.detail === undefined ? { code: parsed.code } : { code: parsed.code, detail: parsed.detail }
    const token = parsed.value
    const c = token.challenge.payload
    const key = ring.get(c.kid)
    if (key === undefined) return { code: 'CHALLENGE_UNKNOWN_KEY', detail: c.kid }
    const macOk = await crypto.subtle.verify(
      'HMAC',
      key,
      token.challenge.mac as Uint8Array<ArrayBuffer>,
      utf8(token.challenge.signingInput) as Uint8Array<ArrayBuffer>,
    )
    if (!macOk) return { code: 'CHALLENGE_FORGED' }
    const seconds = now() / 1000
    if (seconds > c.exp + tolerance) return { code: 'TOKEN_EXPIRED', detail: `expired at ${c.exp}` }
    if (c.iat > seconds + tolerance) return { code: 'CHALLENGE_NOT_YET_VALID', detail: `issued at ${c.iat}` }
    if (c.act !== context.action) return { code: 'ACTION_MISMATCH', detail: `challenge for ${c.act}` }
    if (!origins.has(c.org) || token.body.o !== c.org || (context.origin !== undefined && context.origin !== c.org)) {
      return { code: 'ORIGIN_MISMATCH', detail: `challenge for ${c.org}` }
    }
    let first: boolean
    try {
      first = await store.setIfAbsent(`nonce:${c.n}`, Math.max(1, (c.exp + tolerance) * 1000 - now() + 1000))
    } catch (error) {
      return { code: 'STORE_UNAVAILABLE', detail: describe(error) }
    }
    if (!first) return { code: 'TOKEN_REPLAYED' }
    if (!(await verifyDeviceSignature(token))) return { code: 'DEVICE_SIGNATURE_INVALID' }
    if (!(await checkPow(c.n, c.pow ?? 0, token.body.w))) return { code: 'POW_INVALID' }
    return token
  }

  async function verify(raw: unknown, context: VerifyContext): Promise<Verdict> {
    const eventId = crypto.randomUUID()
    const ctx: VerifyContext = isContext(context) ? context : { action: '' }
    let verdict: Verdict
    try {
      verdict = await evaluate(raw, ctx, eventId)
    } catch (error) {
      verdict = failed(eventId, 'INTERNAL_ERROR', onStoreError, describe(error))
    }
    try {
      await store.recordEvent({
        id: eventId,
        at: now(),
        action: ctx.action,
        decision: verdict.decision,
        score: verdict.score,
        reasons: verdict.reasons,
        mode: verdict.mode,
        ...(verdict.device ? { deviceId: verdict.device.id } : {}),
        ...(ctx.ip !== undefined ? { ip: ctx.ip } : {}),
      })
    } catch (error) {
      verdict.reasons.push({ code: 'STORE_UNAVAILABLE', weight: 0, detail: { while: 'recording the event', error: describe(error) } })
    }
    return verdict
  }

  async function evaluate(raw: unknown, context: VerifyContext, eventId: string): Promise<Verdict> {
    const checked = await check(raw, context)
    if (!('raw' in checked)) {
      if (checked.code === 'TOKEN_MISSING') return failed(eventId, 'TOKEN_MISSING', missingToken, checked.detail)
      if (checked.code === 'STORE_UNAVAILABLE') return failed(eventId, 'STORE_UNAVAILABLE', onStoreError, checked.detail)
      return failed(eventId, checked.code, 'deny', checked.detail)
    }
    const token = checked
    const deviceId = await jwkThumbprint(token.body.k)
    let touched
    try {
      touched = await store.touchDevice(deviceId, token.body.k, now())
    } catch (error) {
      return failed(eventId, 'STORE_UNAVAILABLE', onStoreError, describe(error))
    }
    const device: VerdictDevice = {
      id: deviceId,
      status: touched.after.status,
      known: touched.before !== undefined,
      firstSeen: touched.after.firstSeen,
    }
    const reasons: Reason[] = []
    for (const rule of rules) {
      try {
        reasons.push(...(await rule.evaluate({ context, token, device })))
      } catch (error) {
        reasons.push({ code: 'RULE_FAILED', weight: 0, detail: { rule: rule.name, error: describe(error) } })
      }
    }
    sortReasons(reasons)
    const { score, decision } = decide(reasons, actionThresholds.get(context.action) ?? baseThresholds)
    return { decision, score, reasons, eventId, device, mode: 'live' }
  }

  return { challenge, verify, store }
}

function failed(eventId: string, code: ReasonCode, decision: Decision, detail?: string): Verdict {
  const weight = decision === 'deny' ? 100 : decision === 'challenge' ? DEFAULT_THRESHOLDS.challenge : 0
  const reason: Reason = detail === undefined ? { code, weight } : { code, weight, detail: { message: detail } }
  return { decision, score: weight, reasons: [reason], eventId, mode: 'live' }
}

function isContext(value: unknown): value is VerifyContext {
  return typeof value === 'object' && value !== null && typeof (value as VerifyContext).action === 'string'
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

function decision(value: Decision, name: string): Decision {
  if (!DECISIONS.includes(value)) throw new KenchiError('CONFIG_POLICY', `${name}: one of ${DECISIONS.join(', ')}`)
  return value
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new KenchiError('CONFIG_TIME', `${name}: a positive number of seconds`)
  return value
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new KenchiError('CONFIG_TIME', `${name}: zero or more seconds`)
  return value
}

function thresholds(t: Thresholds, name: string): Thresholds {
  const okNumber = (n: number) => Number.isFinite(n) && n >= 0 && n <= 101
  if (!okNumber(t.challenge) || !okNumber(t.deny) || t.challenge > t.deny) {
    throw new KenchiError('CONFIG_THRESHOLDS', `${name}: 0 ≤ challenge ≤ deny ≤ 101`)
  }
  return t
}

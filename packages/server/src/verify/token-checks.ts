import {
  TOKEN_ERRORS,
  checkPow,
  parseToken,
  peekTokenChallenge,
  type Failure,
  type ParsedChallenge,
  type Limits,
  type ParsedToken,
  type Result,
  type TokenErrorCode,
} from '@kenchi/protocol'
import type { KeyRing } from '../keys.js'
import type { VerifyContext } from '../context.js'
import { nonceKey } from '../store-keys/nonce.js'

/** What the token checks need: the verifier's keys, origins, limits and clock, and a device-signature check. */
export interface TokenChecker {
  ring: KeyRing
  origins: ReadonlySet<string>
  limits: Limits
  /** Clock tolerance, seconds. */
  tolerance: number
  now: () => number
  /** Verifies the device signature over the token (see `createDeviceVerifier`). */
  verifyDevice(token: ParsedToken): boolean
}

/**
 * Every check of a token that needs no store, in the protocol's order (docs/protocol.md,
 * "Verification order"):
 *
 * 1. framing (`peekTokenChallenge`, the first checks of `parseToken`): presence, size,
 *    three segments, `kt1` prefix, base64url alphabet, 64-byte signature;
 * 2. the challenge found in the body without parsing it (the text after the first `"c":"`
 *    of the decoded body), if it parses as a challenge: its key id (`CHALLENGE_UNKNOWN_KEY`),
 *    MAC in constant time (`CHALLENGE_FORGED`), expiry (`TOKEN_EXPIRED`) and issue time
 *    (`CHALLENGE_NOT_YET_VALID`), with the clock tolerance. This step only ever rejects;
 * 3. the full parse (`parseToken`): body encoding, limits, canonical form, schema, the
 *    embedded challenge's structure;
 * 4. the challenge's key id, MAC and times as in step 2, on the challenge `parseToken`
 *    returned (skipped when it is the very string step 2 passed); action and origin; the
 *    device signature; the proof of work.
 *
 * So a token with several faults gets the code of its challenge's MAC or time before that of
 * its body's encoding, canonical form or schema. Resolves the parsed token or the first
 * failure, never throws on hostile input. A token failing steps 1–2 costs no body parse,
 * and no token failing before the device signature costs an ECDSA check. Nothing here calls
 * the store, so a failing store can never skip one of these checks, and only a token that
 * passed them all may spend its nonce (`spendNonce`).
 */
export async function checkToken(checker: TokenChecker, raw: unknown, context: VerifyContext): Promise<Result<ParsedToken>> {
  const checked = checkTokenBeforePow(checker, raw, context)
  return checked.ok ? checkTokenPow(checked.value) : checked
}

/**
 * `checkToken` up to the device signature, synchronously: everything but the proof of
 * work (`checkTokenPow`), so that a rejected token is answered without a promise.
 */
export function checkTokenBeforePow(checker: TokenChecker, raw: unknown, context: VerifyContext): Result<ParsedToken> {
  const peeked = peekTokenChallenge(raw, checker.limits)
  if (!peeked.ok) return peeked
  const early = peeked.value
  if (early !== undefined) {
    const fault = challengeFault(checker, early)
    if (fault !== undefined) return fault
  }
  const parsed = parseToken(raw, checker.limits)
  if (!parsed.ok) return parsed
  const token = parsed.value
  const c = token.challenge.payload
  // The same challenge string passed the same checks a moment ago: not run twice.
  if (early === undefined || early.raw !== token.challenge.raw) {
    const fault = challengeFault(checker, token.challenge)
    if (fault !== undefined) return fault
  }
  if (c.act !== context.action) return fail('ACTION_MISMATCH', `challenge for ${c.act}`)
  if (!checker.origins.has(c.org) || token.body.o !== c.org || (context.origin !== undefined && context.origin !== c.org)) {
    return fail('ORIGIN_MISMATCH', `challenge for ${c.org}`)
  }
  if (!checker.verifyDevice(token)) return fail('DEVICE_SIGNATURE_INVALID')
  return parsed
}

/** The last check of `checkToken`: the proof of work, if the challenge asked for one (`POW_INVALID`). */
export async function checkTokenPow(token: ParsedToken): Promise<Result<ParsedToken>> {
  const c = token.challenge.payload
  if (!(await checkPow(c.n, c.pow ?? 0, token.body.w))) return fail('POW_INVALID')
  return { ok: true, value: token }
}

/** The challenge's key id, MAC (constant time), expiry and issue time, in that order: the first failure, or `undefined`. */
function challengeFault(checker: TokenChecker, challenge: ParsedChallenge): Failure | undefined {
  const c = challenge.payload
  const { ring, tolerance } = checker
  if (!ring.has(c.kid)) return fail('CHALLENGE_UNKNOWN_KEY', c.kid)
  if (!ring.verify(c.kid, challenge.signingInput, challenge.mac)) return fail('CHALLENGE_FORGED')
  const at = checker.now() / 1000
  if (at > c.exp + tolerance) return fail('TOKEN_EXPIRED', `expired at ${c.exp}`)
  if (c.iat > at + tolerance) return fail('CHALLENGE_NOT_YET_VALID', `issued at ${c.iat}`)
  return undefined
}

/** The store key of a challenge nonce, set once when a valid token spends it (built in store-keys/). */
export { nonceKey }

/**
 * How long a spent nonce is kept, from `now` (Unix ms): until exp + 2 × tolerance (+ 1 s) on
 * this server's clock. Another server sharing the store accepts the token until
 * exp + tolerance on its own clock; with clocks at most `tolerance` apart, that is before
 * this moment, so no server can accept the token a second time.
 */
export function nonceTtlMs(exp: number, tolerance: number, now: number): number {
  return Math.max(1, (exp + 2 * tolerance) * 1000 - now + 1000)
}

/**
 * Single use: spends the nonce of a token that passed `checkToken` with one atomic
 * set-if-absent. Resolves the token, or `TOKEN_REPLAYED` if the nonce was spent before;
 * rejects if the store fails (the caller answers under `onStoreError`).
 */
export async function spendNonce(
  token: ParsedToken,
  setIfAbsent: (key: string, ttlMs: number) => Promise<boolean>,
  tolerance: number,
  now: number,
): Promise<Result<ParsedToken>> {
  const c = token.challenge.payload
  if (!(await setIfAbsent(nonceKey(c.n), nonceTtlMs(c.exp, tolerance, now)))) return fail('TOKEN_REPLAYED')
  return { ok: true, value: token }
}

function fail(code: TokenErrorCode, detail?: string): Failure {
  return detail === undefined ? { ok: false, code, message: TOKEN_ERRORS[code] } : { ok: false, code, message: TOKEN_ERRORS[code], detail }
}

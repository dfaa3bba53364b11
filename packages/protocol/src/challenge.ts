import { base64urlEncode, decodeBase64url, decodeBase64urlTransient, fromUtf8, utf8 } from './base64url.js'
import { canonicalize } from './canonical.js'
import { CHALLENGE_PREFIX, LIMITS, PROTOCOL_VERSION, type Limits } from './constants.js'
import { decodeJsonSegment, isInt, isPlainObject, hasOnlyKeys } from './json.js'
import { fail, ok, type Result } from './result.js'
import type { ChallengePayload, ParsedChallenge } from './types.js'

const SEGMENT = /^[A-Za-z0-9_-]+$/
/** Key ids: 1–32 characters of base64url alphabet. */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/
/** Actions: lower-case word of up to 32 characters, e.g. `login`, `password_reset`. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/
/** Origins: `scheme://host[:port]`, no path, at most 256 characters. */
export const ORIGIN_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/

/** The ASCII text a challenge MAC covers: `kc1.` + base64url(canonical payload). */
export function challengeSigningInput(payload: ChallengePayload): string {
  return CHALLENGE_PREFIX + '.' + base64urlEncode(utf8(canonicalize(payload)))
}

/** Joins a signing input and its MAC into the challenge string. */
export function assembleChallenge(signingInput: string, mac: Uint8Array): string {
  return signingInput + '.' + base64urlEncode(mac)
}

/**
 * Parses a challenge string and checks its structure and schema. Does not check the MAC
 * or the times; that is the server's job. Never throws.
 */
export function parseChallenge(raw: unknown, limits: Limits = LIMITS): Result<ParsedChallenge> {
  if (typeof raw !== 'string' || raw.length === 0) return fail('CHALLENGE_MALFORMED', 'not a string')
  if (raw.length > limits.maxChallengeBytes) return fail('CHALLENGE_MALFORMED', 'too large')
  const parts = raw.split('.')
  if (parts.length !== 3) return fail('CHALLENGE_MALFORMED', 'expected 3 segments')
  const [prefix, payloadPart, macPart] = parts as [string, string, string]
  if (prefix !== CHALLENGE_PREFIX) {
    return /^kc\d+$/.test(prefix)
      ? fail('TOKEN_UNSUPPORTED_VERSION', `challenge prefix ${prefix}`)
      : fail('CHALLENGE_MALFORMED', 'bad prefix')
  }
  if (!SEGMENT.test(payloadPart) || !SEGMENT.test(macPart)) return fail('CHALLENGE_MALFORMED', 'not base64url')
  // Both segments passed SEGMENT: the decoders need not test the alphabet again.
  const mac = decodeBase64url(macPart, true)
  if (mac === undefined || mac.length !== 32) return fail('CHALLENGE_MALFORMED', 'MAC is not 32 bytes')
  // canonicalPayload copies the bytes into a string at once: the shared buffer will do.
  let payload: unknown = canonicalPayload(decodeBase64urlTransient(payloadPart))
  if (payload === undefined) {
    const decoded = decodeJsonSegment(payloadPart, undefined, true)
    if (!decoded.ok) return fail('CHALLENGE_MALFORMED', decoded.detail)
    payload = decoded.value
  }
  if (!isPlainObject(payload)) return fail('CHALLENGE_MALFORMED', 'payload is not an object')
  if (payload.v !== PROTOCOL_VERSION) {
    return isInt(payload.v) ? fail('TOKEN_UNSUPPORTED_VERSION', `challenge v=${String(payload.v)}`) : fail('CHALLENGE_MALFORMED', 'v')
  }
  const problem = challengeSchemaProblem(payload, limits)
  if (problem) return fail('CHALLENGE_MALFORMED', problem)
  return ok({
    raw,
    payload: payload as unknown as ChallengePayload,
    signingInput: prefix + '.' + payloadPart,
    mac,
  })
}

// A challenge payload as the issuer writes it: canonical JSON (keys sorted, no whitespace,
// integers in shortest form, strings of printable ASCII other than `"` and `\`, which
// JSON.stringify writes as they are), `v` 1. Strings and integers only; the schema is
// checked on the result as on any payload.
const STR = '"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*)"'
const INT = '(0|-?[1-9][0-9]{0,15})'
const CANONICAL_PAYLOAD = /* @__PURE__ */ new RegExp(
  `^\\{"act":${STR},"exp":${INT},"iat":${INT},"kid":${STR},"n":${STR},"org":${STR}(?:,"pow":${INT})?,"v":1\\}$`,
)

/**
 * The payload of the common case without the general JSON decoder: when the decoded bytes
 * match `CANONICAL_PAYLOAD` exactly, they are canonical JSON, and the object built here is
 * the one `JSON.parse` gives (same members, same order, same values). `undefined` for
 * anything else (non-ASCII, another shape, an integer beyond 2^53): the caller then takes
 * the general path, so the result of `parseChallenge` is the same either way.
 */
function canonicalPayload(bytes: Uint8Array | undefined): Record<string, unknown> | undefined {
  if (bytes === undefined || bytes.length > 512) return undefined
  // Printable ASCII is checked by the pattern: a payload with any other character falls through.
  const text = fromUtf8(bytes)
  const m = text === undefined ? null : CANONICAL_PAYLOAD.exec(text)
  if (m === null) return undefined
  const exp = Number(m[2])
  const iat = Number(m[3])
  const pow = m[7] === undefined ? undefined : Number(m[7])
  if (!Number.isSafeInteger(exp) || !Number.isSafeInteger(iat) || (pow !== undefined && !Number.isSafeInteger(pow))) return undefined
  return pow === undefined
    ? { act: m[1], exp, iat, kid: m[4], n: m[5], org: m[6], v: 1 }
    : { act: m[1], exp, iat, kid: m[4], n: m[5], org: m[6], pow, v: 1 }
}

function challengeSchemaProblem(p: Record<string, unknown>, limits: Limits): string | undefined {
  if (!hasOnlyKeys(p, ['v', 'kid', 'n', 'iat', 'exp', 'act', 'org', 'pow'])) return 'unknown member'
  if (typeof p.kid !== 'string' || !KID_PATTERN.test(p.kid)) return 'kid'
  if (typeof p.n !== 'string' || !NONCE_PATTERN.test(p.n)) return 'n'
  if (!isInt(p.iat) || p.iat < 0) return 'iat'
  if (!isInt(p.exp) || p.exp <= p.iat) return 'exp'
  if (typeof p.act !== 'string' || !ACTION_PATTERN.test(p.act)) return 'act'
  if (typeof p.org !== 'string' || p.org.length > 256 || !ORIGIN_PATTERN.test(p.org)) return 'org'
  if (p.pow !== undefined && (!isInt(p.pow) || p.pow < 0 || p.pow > limits.maxPowDifficulty)) return 'pow'
  return undefined
}

/**
 * Reads a challenge's payload without any check beyond structure, for a client that wants
 * to know the expiry or difficulty. Returns `undefined` if the string is not a challenge.
 */
export function readChallenge(raw: string): ChallengePayload | undefined {
  const parsed = parseChallenge(raw)
  return parsed.ok ? parsed.value.payload : undefined
}

import { base64urlDecode, base64urlEncode, decodeBase64url, decodeBase64urlTransient, decodedLength, fromUtf8, utf8 } from './base64url.js'
import { canonicalize } from './canonical.js'
import { parseChallenge } from './challenge.js'
import { KEY_STORAGE, LIMITS, PROTOCOL_VERSION, TOKEN_PREFIX, type Limits } from './constants.js'
import { decodeJsonSegment, hasOnlyKeys, isInt, isPlainObject } from './json.js'
import { fail, ok, type Result } from './result.js'
import type { ParsedChallenge, ParsedToken, TokenBody } from './types.js'

const SEGMENT = /^[A-Za-z0-9_-]+$/
const COORDINATE = /^[A-Za-z0-9_-]{43}$/
/** Signal and behaviour-stream names: a letter then up to 31 letters, digits or `_`. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,31}$/
const MAX_SIGNAL_MS = 600_000
const MAX_POW_SOLUTION = 2 ** 32 - 1
const TOKEN_MEMBERS = ['v', 'c', 'o', 't', 'k', 'ks', 'w', 's', 'b'] as const

/** The ASCII text the device signature covers: `kt1.` + base64url(canonical body). */
export function tokenSigningInput(body: TokenBody): string {
  return TOKEN_PREFIX + '.' + base64urlEncode(utf8(canonicalize(body)))
}

/**
 * Builds a token: canonical body, then the device signature over the signing input.
 * `sign` receives the signing input's bytes and returns a 64-byte P-256 signature (r‖s),
 * which is what Web Crypto's ECDSA `sign` produces.
 */
export async function createToken(body: TokenBody, sign: (data: Uint8Array) => Promise<ArrayBuffer | Uint8Array>): Promise<string> {
  const input = tokenSigningInput(body)
  const signature = lowS(new Uint8Array(await sign(utf8(input))))
  return input + '.' + base64urlEncode(signature)
}

// The order of the P-256 group, and half of it (as 32 big-endian bytes too).
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const P256_HALF_N = P256_N >> 1n
const bytes32 = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * (31 - i))) & 0xffn))
const N_BYTES = /* @__PURE__ */ bytes32(P256_N)
const HALF_N_BYTES = /* @__PURE__ */ bytes32(P256_HALF_N)

/** Compares s (the last 32 bytes of a 64-byte signature) with a 32-byte big-endian number: −1, 0 or 1. */
function compareS(signature: Uint8Array, than: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const a = signature[32 + i]!
    const b = than[i]!
    if (a !== b) return a < b ? -1 : 1
  }
  return 0
}

/**
 * The low-S form of a 64-byte P-256 signature (r‖s): s, or n − s when s > n/2. Both forms
 * verify for the same message and key (ECDSA signatures are malleable); Kenchi signs and
 * reads the low-S form only, so one signature has one encoding. Other lengths, and s values
 * outside (0, n), are returned unchanged (signature verification refuses them).
 */
export function lowS(signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) return signature
  // Most signatures are low-S already: compare s with n/2 byte by byte, no BigInt.
  if (compareS(signature, HALF_N_BYTES) <= 0 || compareS(signature, N_BYTES) >= 0) return signature
  let s = 0n
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i]!)
  let flipped = P256_N - s
  const out = signature.slice()
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(flipped & 0xffn)
    flipped >>= 8n
  }
  return out
}

/** Signs a token body with an ECDSA P-256 private key through Web Crypto. */
export function signToken(body: TokenBody, privateKey: CryptoKey): Promise<string> {
  return createToken(body, (data) => crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data as Uint8Array<ArrayBuffer>))
}

/**
 * Validates a token string in the order the protocol fixes: presence, size, encoding,
 * limits, canonical form, schema, embedded challenge. Checks no signature, time or store;
 * the server does that next. Never throws, whatever `raw` is. A server checks the
 * challenge found by `peekTokenChallenge` before calling this (docs/protocol.md,
 * "Verification order"); `parseToken` alone still answers the shape of any token.
 */
export function parseToken(raw: unknown, limits: Limits = LIMITS): Result<ParsedToken> {
  const framed = frameToken(raw, limits)
  if (!framed.ok) return framed
  const { prefix, bodyPart, signature } = framed.value

  const decoded = decodeJsonSegment(bodyPart, limits, true)
  if (!decoded.ok) return fail(decoded.limit ? 'TOKEN_LIMIT_EXCEEDED' : 'TOKEN_MALFORMED', decoded.detail)
  const body = decoded.value
  if (!isPlainObject(body)) return fail('TOKEN_SCHEMA_INVALID', 'body is not an object')
  if (body.v !== PROTOCOL_VERSION) {
    return isInt(body.v) ? fail('TOKEN_UNSUPPORTED_VERSION', `v=${String(body.v)}`) : fail('TOKEN_SCHEMA_INVALID', 'v')
  }
  const problem = bodySchemaProblem(body, limits)
  if (problem !== undefined) return fail(problem.limit ? 'TOKEN_LIMIT_EXCEEDED' : 'TOKEN_SCHEMA_INVALID', problem.detail)

  const challenge = parseChallenge(body.c, limits)
  if (!challenge.ok) return challenge
  return ok({
    raw: raw as string,
    body: body as unknown as TokenBody,
    challenge: challenge.value,
    signingInput: prefix + '.' + bodyPart,
    // A high-S signature is read as its low-S form: the same signature, one encoding.
    signature: lowS(signature),
  })
}

interface Framed {
  prefix: string
  bodyPart: string
  signature: Uint8Array
}

/**
 * The framing checks, the first steps of `parseToken` and `peekTokenChallenge` alike:
 * presence, type, size, three segments, the `kt1` prefix, the base64url alphabet, a
 * 64-byte signature. The body is not decoded.
 */
function frameToken(raw: unknown, limits: Limits, decodeSignature = true): Result<Framed> {
  if (raw === undefined || raw === null || raw === '') return fail('TOKEN_MISSING')
  if (typeof raw !== 'string') return fail('TOKEN_MALFORMED', 'not a string')
  if (raw.length > limits.maxTokenBytes) return fail('TOKEN_TOO_LARGE', `${raw.length} > ${limits.maxTokenBytes}`)
  const parts = raw.split('.')
  if (parts.length !== 3) return fail('TOKEN_MALFORMED', 'expected 3 segments')
  const [prefix, bodyPart, sigPart] = parts as [string, string, string]
  if (prefix !== TOKEN_PREFIX) {
    return /^kt\d+$/.test(prefix) ? fail('TOKEN_UNSUPPORTED_VERSION', `token prefix ${prefix}`) : fail('TOKEN_MALFORMED', 'bad prefix')
  }
  if (!SEGMENT.test(bodyPart) || !SEGMENT.test(sigPart)) return fail('TOKEN_MALFORMED', 'not base64url')
  // Both segments passed SEGMENT: the decoders need not test the alphabet again.
  // `peekTokenChallenge` needs the length only: 64 bytes is 86 characters with zero spare bits.
  const signature = decodeSignature ? decodeBase64url(sigPart, true) : decodedLength(sigPart) === 64 ? NO_SIGNATURE : undefined
  if (signature === undefined || signature.length !== 64) return fail('TOKEN_MALFORMED', 'signature is not 64 bytes')
  return ok({ prefix, bodyPart, signature })
}

/** Stands for a signature whose length was checked but that was not decoded. */
const NO_SIGNATURE = /* @__PURE__ */ new Uint8Array(64)
// `"c":"` in UTF-8 (ASCII), and the closing quote.
const C_MEMBER = /* @__PURE__ */ utf8('"c":"')
const QUOTE = 0x22

/**
 * The embedded challenge of a token, found without parsing the body, so that a server can
 * check its key id, MAC and times before paying for the full parse (docs/protocol.md,
 * "Verification order", step 3). Runs `parseToken`'s framing checks (presence, size, three
 * segments, prefix, base64url alphabet, 64-byte signature) and fails with the same code as
 * `parseToken` when one of them fails. Then decodes the body segment and takes the text
 * between the first `"c":"` in it and the next `"`; if that text parses as a challenge
 * (`parseChallenge`: structure and schema), answers it, otherwise answers `undefined`
 * (nothing found cheaply: the caller goes on to `parseToken`).
 *
 * In a valid token (canonical form, schema), the first `"c":"` is the body's `c` member:
 * top-level keys are sorted, only `b` comes before `c`, and `b` holds only names and
 * arrays of integers; a `"` inside any string is escaped. In a body that is not valid the
 * text found may be anything, so the answer may only be used to reject: a token whose
 * challenge found here fails a check is refused, and one that passes must still pass
 * `parseToken` and every check on the challenge `parseToken` returns. Never throws.
 */
export function peekTokenChallenge(raw: unknown, limits: Limits = LIMITS): Result<ParsedChallenge | undefined> {
  const framed = frameToken(raw, limits, false)
  if (!framed.ok) return framed
  // Read at once, nothing kept: the shared decoding buffer will do.
  const body = decodeBase64urlTransient(framed.value.bodyPart)
  if (body === undefined) return ok(undefined)
  const start = indexOf(body, C_MEMBER)
  if (start < 0) return ok(undefined)
  const from = start + C_MEMBER.length
  // A challenge longer than the limit is not one: stop looking for its end there.
  const end = body.indexOf(QUOTE, from)
  if (end < 0 || end - from > limits.maxChallengeBytes) return ok(undefined)
  const text = fromUtf8(body.subarray(from, end))
  if (text === undefined) return ok(undefined)
  const challenge = parseChallenge(text, limits)
  return ok(challenge.ok ? challenge.value : undefined)
}

/** The first index of `needle` in `haystack`, or −1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0]!
  for (let i = haystack.indexOf(first); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1
    while (j < needle.length && haystack[i + j] === needle[j]) j++
    if (j === needle.length) return i
  }
  return -1
}

type Problem = { detail: string; limit?: true }

function bodySchemaProblem(b: Record<string, unknown>, limits: Limits): Problem | undefined {
  if (!hasOnlyKeys(b, TOKEN_MEMBERS)) return { detail: 'unknown member' }
  if (typeof b.c !== 'string') return { detail: 'c' }
  if (typeof b.o !== 'string' || b.o.length > 256) return { detail: 'o' }
  if (!isInt(b.t) || b.t < 0) return { detail: 't' }
  const k = b.k
  if (!isPlainObject(k) || !hasOnlyKeys(k, ['kty', 'crv', 'x', 'y']) || k.kty !== 'EC' || k.crv !== 'P-256') return { detail: 'k' }
  if (typeof k.x !== 'string' || !COORDINATE.test(k.x) || typeof k.y !== 'string' || !COORDINATE.test(k.y)) return { detail: 'k' }
  // Canonical coordinates only: the last character's 2 spare bits must be zero, so one key
  // has one spelling and one device id (RFC 7638 thumbprints hash the text, not the point).
  if (base64urlDecode(k.x)?.length !== 32 || base64urlDecode(k.y)?.length !== 32) return { detail: 'k: non-canonical coordinate' }
  if (typeof b.ks !== 'string' || !(KEY_STORAGE as readonly string[]).includes(b.ks)) return { detail: 'ks' }
  if (b.w !== undefined && (!isInt(b.w) || b.w < 0 || b.w > MAX_POW_SOLUTION)) return { detail: 'w' }

  const s = b.s
  if (!isPlainObject(s)) return { detail: 's' }
  const names = Object.keys(s)
  if (names.length > limits.maxSignals) return { detail: 's: too many signals', limit: true }
  for (const name of names) {
    if (!NAME_PATTERN.test(name)) return { detail: `s: name ${JSON.stringify(name.slice(0, 40))}` }
    const r = s[name]
    if (!isPlainObject(r) || !isInt(r.d) || r.d < 0 || r.d > MAX_SIGNAL_MS) return { detail: `s.${name}` }
    const valueShape = 'v' in r && hasOnlyKeys(r, ['v', 'd'])
    const errorShape = typeof r.e === 'string' && r.e.length <= 64 && hasOnlyKeys(r, ['e', 'd'])
    if (!valueShape && !errorShape) return { detail: `s.${name}` }
  }

  if (b.b !== undefined) {
    if (!isPlainObject(b.b)) return { detail: 'b' }
    let events = 0
    for (const [name, stream] of Object.entries(b.b)) {
      if (!NAME_PATTERN.test(name) || !Array.isArray(stream)) return { detail: `b.${name.slice(0, 40)}` }
      for (const n of stream) if (!isInt(n)) return { detail: `b.${name}: not an integer` }
      events += stream.length
      if (events > limits.maxEvents) return { detail: 'b: too many events', limit: true }
    }
  }
  return undefined
}

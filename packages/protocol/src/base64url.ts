// base64url without padding (RFC 4648 §5), on bytes, with no Node or DOM dependency.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const LOOKUP = /* @__PURE__ */ (() => {
  const table = new Int16Array(128).fill(-1)
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i
  return table
})()

const ALPHABET_ONLY = /^[A-Za-z0-9_-]*$/
// Node's Buffer when running on Node (a Uint8Array subclass); absent in browsers.
const nodeBuffer = /* @__PURE__ */ (() => (globalThis as { Buffer?: { from(text: string, encoding: 'base64url'): Uint8Array } }).Buffer)()

/** Encodes bytes as unpadded base64url. */
export function base64urlEncode(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!
  }
  return out
}

/**
 * Decodes unpadded base64url. Returns `undefined` for any character outside the alphabet,
 * an impossible length, or non-zero trailing bits (so every byte string has exactly one
 * accepted encoding).
 */
export function base64urlDecode(text: string): Uint8Array | undefined {
  return decodeBase64url(text, false)
}

/**
 * `base64urlDecode`, for a caller that has already tested `text` against the base64url
 * alphabet (the parsers' segment check) and need not pay for the same test twice.
 */
export function decodeBase64url(text: string, alphabetChecked: boolean): Uint8Array | undefined {
  const len = text.length
  if (len % 4 === 1) return undefined
  if (nodeBuffer !== undefined && len > 64) {
    // Node's decoder is native but lenient: check the alphabet and trailing bits first.
    if (!alphabetChecked && !ALPHABET_ONLY.test(text)) return undefined
    const last = len % 4 === 0 ? 0 : LOOKUP[text.charCodeAt(len - 1)]!
    if ((len % 4 === 2 && (last & 15) !== 0) || (len % 4 === 3 && (last & 3) !== 0)) return undefined
    const decoded = nodeBuffer.from(text, 'base64url')
    return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length)
  }
  const out = new Uint8Array(Math.floor((len * 3) / 4))
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? LOOKUP[c]! : -1
    if (v < 0) return undefined
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
    acc &= (1 << bits) - 1
  }
  if (acc !== 0) return undefined
  return out
}

/**
 * The number of bytes a segment the caller has checked against the alphabet decodes to,
 * without decoding it; `undefined` where `decodeBase64url` answers `undefined` (an
 * impossible length, non-zero trailing bits).
 */
export function decodedLength(text: string): number | undefined {
  const len = text.length
  if (len % 4 === 1) return undefined
  const last = len % 4 === 0 ? 0 : LOOKUP[text.charCodeAt(len - 1)]!
  if ((len % 4 === 2 && (last & 15) !== 0) || (len % 4 === 3 && (last & 3) !== 0)) return undefined
  return Math.floor((len * 3) / 4)
}

type NodeBuffer = Uint8Array & { write(text: string, offset: number, encoding: 'base64url'): number }
const nodeAlloc = /* @__PURE__ */ (() => (globalThis as { Buffer?: { allocUnsafeSlow(size: number): NodeBuffer } }).Buffer)()
let scratch: NodeBuffer | undefined

/**
 * `decodeBase64url` of a segment whose alphabet the caller has checked, into memory shared
 * by every call: the bytes are valid until the next call, for a caller that reads them at
 * once, synchronously, and keeps nothing (`peekTokenChallenge`, `parseChallenge`: each
 * copies what it needs into a string before anything else decodes). On Node it saves allocating (and later
 * collecting) a buffer per token; elsewhere it is `decodeBase64url`.
 */
export function decodeBase64urlTransient(text: string): Uint8Array | undefined {
  const len = text.length
  if (nodeAlloc === undefined || len <= 64) return decodeBase64url(text, true)
  const size = decodedLength(text)
  if (size === undefined) return undefined
  if (scratch === undefined || scratch.length < size) scratch = nodeAlloc.allocUnsafeSlow(Math.max(size, 16_384))
  const written = scratch.write(text, 0, 'base64url')
  return scratch.subarray(0, written)
}

const encoder = /* @__PURE__ */ new TextEncoder()
const strictDecoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** UTF-8 encodes a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Strictly decodes UTF-8; `undefined` for invalid byte sequences. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes)
  } catch {
    return undefined
  }
}

// The published test vectors (../test-vectors) against this implementation of the
// protocol. The verify-level expectations are checked with the server in test/vectors.test.ts.
import { describe, expect, it } from 'vitest'
import base64urlVectors from '../test-vectors/base64url.json'
import canonicalVectors from '../test-vectors/canonical.json'
import verifyVectors from '../test-vectors/verify.json'
import { base64urlDecode, base64urlEncode } from './base64url.js'
import { canonicalize } from './canonical.js'
import { TOKEN_ERRORS } from './constants.js'
import { jwkThumbprint } from './thumbprint.js'
import { parseToken, peekTokenChallenge, tokenSigningInput } from './token.js'
import type { DevicePublicKey, TokenBody } from './types.js'

// Codes that parsing alone decides; every other case must parse.
const PARSE_CODES = new Set([
  'TOKEN_MISSING',
  'TOKEN_TOO_LARGE',
  'TOKEN_MALFORMED',
  'TOKEN_UNSUPPORTED_VERSION',
  'TOKEN_SCHEMA_INVALID',
  'TOKEN_LIMIT_EXCEEDED',
  'CHALLENGE_MALFORMED',
])

describe('test vectors', () => {
  it('base64url', () => {
    for (const c of base64urlVectors.cases) {
      const bytes = Uint8Array.from(Buffer.from(c.hex, 'hex'))
      expect(base64urlEncode(bytes)).toBe(c.base64url)
      expect(base64urlDecode(c.base64url)).toEqual(bytes)
    }
    for (const bad of base64urlVectors.invalid) expect(base64urlDecode(bad), bad).toBeUndefined()
  })

  it('canonical JSON', () => {
    for (const c of canonicalVectors.cases) {
      expect(canonicalize(JSON.parse(c.json)), c.json).toBe(c.canonical)
      expect(base64urlEncode(new TextEncoder().encode(c.canonical))).toBe(c.base64url)
    }
  })

  it('parse-level results of the verify vectors', () => {
    expect(verifyVectors.cases.length).toBeGreaterThan(20)
    // Tokens with several faults say what the parse alone gives (`parse`): the verdict has
    // the challenge's code, checked before the body is parsed.
    expect(verifyVectors.cases.filter((c) => 'parse' in c).length).toBeGreaterThanOrEqual(4)
    for (const c of verifyVectors.cases) {
      const first = c.expect[0]!
      const parsed = parseToken(c.token)
      const expected = 'parse' in c ? c.parse : first.codes.length === 1 && PARSE_CODES.has(first.codes[0]!) ? first.codes[0] : 'ok'
      expect(parsed.ok ? 'ok' : parsed.code, c.name).toBe(expected)
      // What the early check finds in a token that parses is the token's own challenge.
      const peeked = peekTokenChallenge(c.token)
      if (parsed.ok) expect(peeked.ok && peeked.value?.raw, c.name).toBe(parsed.value.challenge.raw)
      for (const code of first.codes) expect(code in TOKEN_ERRORS || code === 'AUTOMATION' || code === 'INJECTED_INPUT', code).toBe(true)
    }
  })

  it('signing inputs of the valid tokens, byte for byte', async () => {
    const withBody = verifyVectors.cases.filter((c) => 'body' in c)
    expect(withBody.length).toBeGreaterThanOrEqual(2)
    for (const c of withBody) {
      const { body, signingInput } = c as unknown as { body: TokenBody; signingInput: string }
      expect(tokenSigningInput(body)).toBe(signingInput)
      expect(c.token.startsWith(signingInput + '.')).toBe(true)
    }
    expect(await jwkThumbprint(verifyVectors.device.publicJwk as DevicePublicKey)).toBe(verifyVectors.device.thumbprint)
  })
})

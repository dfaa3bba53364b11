import { utf8, type ParsedToken } from '@kenchi/protocol'

/**
 * Verifies the device signature of a parsed token with the public key it carries
 * (ECDSA P-256, SHA-256, r‖s). Resolves false for any key Web Crypto refuses, such as a
 * point that is not on the curve.
 */
export async function verifyDeviceSignature(token: ParsedToken): Promise<boolean> {
  let key: CryptoKey
  try {
    key = await crypto.subtle.importKey(
      'jwk',
      { kty: 'EC', crv: 'P-256', x: token.body.k.x, y: token.body.k.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    )
  } catch {
    return false
  }
  return crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    token.signature as Uint8Array<ArrayBuffer>,
    utf8(token.signingInput) as Uint8Array<ArrayBuffer>,
  )
}

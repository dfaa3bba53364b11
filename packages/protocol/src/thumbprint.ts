import { base64urlEncode, utf8 } from './base64url.js'
import type { DevicePublicKey } from './types.js'

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url) of a device public key. This is the device
 * id: the server computes it from the key in the token, never takes it from the client.
 */
export async function jwkThumbprint(key: DevicePublicKey): Promise<string> {
  const json = `{"crv":"P-256","kty":"EC","x":"${key.x}","y":"${key.y}"}`
  return base64urlEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(json) as Uint8Array<ArrayBuffer>)))
}

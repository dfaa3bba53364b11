// A software passkey that signs WebAuthn
// assertions the way an authenticator does (ES256, COSE public key), so unit tests can
// pass a passkey step-up without a browser. test/e2e/passkey.test.ts does the real
// ceremony with Chromium's virtual authenticator.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'

export interface SoftPasskey {
  /** What the app stores for the passkey and gives `checkPasskey` as `credential`. */
  stored: { id: string; publicKey: Uint8Array; counter: number }
  /** `credential.toJSON()` as a browser posts it, signing `challenge` for `origin` with signature counter `counter`. */
  assert(challenge: string, origin: string, counter: number): unknown
}

/** A new ES256 passkey for the relying party `rpId`. */
export function softPasskey(rpId: string): SoftPasskey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = publicKey.export({ format: 'jwk' })
  const x = Buffer.from(jwk.x!, 'base64url')
  const y = Buffer.from(jwk.y!, 'base64url')
  // COSE_Key {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y} in CBOR.
  const cose = Buffer.concat([
    Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]),
    x,
    Buffer.from([0x22, 0x58, 0x20]),
    y,
  ])
  const id = randomBytes(16).toString('base64url')
  return {
    stored: { id, publicKey: new Uint8Array(cose), counter: 0 },
    assert(challenge, origin, counter) {
      const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }), 'utf8')
      const count = Buffer.alloc(4)
      count.writeUInt32BE(counter)
      // rpIdHash, flags (user present + user verified), signature counter.
      const authData = Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([0x05]), count])
      const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), privateKey)
      return {
        id,
        rawId: id,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: clientData.toString('base64url'),
          authenticatorData: authData.toString('base64url'),
          signature: signature.toString('base64url'),
        },
      }
    },
  }
}

import type { Json } from './canonical.js'
import type { KeyStorage } from './constants.js'

/** What the server signs into a challenge. Times are Unix seconds. */
export interface ChallengePayload {
  /** Protocol version, always 1 here. */
  v: 1
  /** Id of the server key that made the MAC (for rotation). */
  kid: string
  /** Random nonce, base64url; consumed once by the server. */
  n: string
  /** Issued at (Unix seconds). */
  iat: number
  /** Expires at (Unix seconds). */
  exp: number
  /** The action the challenge is for, e.g. `login`, `register`, `checkout`. */
  act: string
  /** The page origin the challenge is for, e.g. `https://shop.example`. */
  org: string
  /** Proof-of-work difficulty in leading zero bits; absent or 0 means none. */
  pow?: number
}

/** A structurally valid challenge, not yet authenticated. */
export interface ParsedChallenge {
  raw: string
  payload: ChallengePayload
  /** The exact ASCII text the MAC covers: `kc1.<payload>`. */
  signingInput: string
  /** The 32-byte HMAC-SHA-256. */
  mac: Uint8Array
}

/** The public half of the device key, as a JWK with only the members RFC 7638 hashes. */
export interface DevicePublicKey {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
}

/** One signal as collected: a value or an error code, and how long it took in ms. */
export type SignalResult = { v: Json; d: number } | { e: string; d: number }

/** The signed part of a client token. */
export interface TokenBody {
  /** Protocol version, always 1 here. */
  v: 1
  /** The challenge string exactly as the server issued it. */
  c: string
  /** The page origin (`location.origin`) the token was made on. */
  o: string
  /** Client clock when the token was made (Unix ms); informative only. */
  t: number
  /** Device public key. */
  k: DevicePublicKey
  /** Where the device key lives: `idb` (persistent) or `page` (storage blocked). */
  ks: KeyStorage
  /** Proof-of-work solution, present when the challenge asks for one. */
  w?: number
  /** Signals by name. */
  s: Record<string, SignalResult>
  /** Behaviour recordings: named arrays of delta-encoded integers. */
  b?: Record<string, number[]>
}

/** A structurally valid token, signature not yet checked. */
export interface ParsedToken {
  raw: string
  body: TokenBody
  challenge: ParsedChallenge
  /** The exact ASCII text the device signature covers: `kt1.<body>`. */
  signingInput: string
  /** The 64-byte ECDSA P-256 signature (r‖s). */
  signature: Uint8Array
}

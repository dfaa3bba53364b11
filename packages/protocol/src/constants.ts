/** Wire-format version carried in every challenge and token body (`v`). */
export const PROTOCOL_VERSION = 1 as const

/** Prefix of a challenge string: `kc1.<payload>.<mac>`. */
export const CHALLENGE_PREFIX = 'kc1' as const
/** Prefix of a token string: `kt1.<body>.<signature>`. */
export const TOKEN_PREFIX = 'kt1' as const

/**
 * Hard limits a receiver enforces before and while parsing. A token that breaks one is
 * rejected with a typed error code; nothing larger is ever decoded.
 */
export const LIMITS = {
  /** Largest token accepted, in bytes (the token is ASCII, so bytes = characters). */
  maxTokenBytes: 12_288,
  /** Largest challenge accepted, in bytes. */
  maxChallengeBytes: 512,
  /** Deepest nesting of objects and arrays in a token body (the body itself is depth 1). */
  maxDepth: 8,
  /** Longest array anywhere in a token body. */
  maxArrayLength: 1_024,
  /** Most behaviour events: total integers over all arrays of the `b` section. */
  maxEvents: 4_096,
  /** Longest string anywhere in a token body, in UTF-16 code units. */
  maxStringLength: 512,
  /** Most keys in any one object. */
  maxObjectKeys: 64,
  /** Most signals in the `s` section. */
  maxSignals: 64,
  /** Highest proof-of-work difficulty (leading zero bits) a challenge may ask for. */
  maxPowDifficulty: 24,
} as const

export type Limits = { readonly [K in keyof typeof LIMITS]: number }

/**
 * Every way a token or challenge can be rejected. The code is stable and is also the
 * `Reason` code in a verdict; the message is for humans and may change.
 */
export const TOKEN_ERRORS = {
  TOKEN_MISSING: 'no token was sent',
  TOKEN_TOO_LARGE: 'token is larger than the size limit',
  TOKEN_MALFORMED: 'token is not kt1.<base64url>.<base64url> with canonical JSON in the body',
  TOKEN_UNSUPPORTED_VERSION: 'token or challenge uses a protocol version this receiver does not know',
  TOKEN_SCHEMA_INVALID: 'token body does not match the schema',
  TOKEN_LIMIT_EXCEEDED: 'token body breaks a nesting, array, string, key or event limit',
  CHALLENGE_MALFORMED: 'embedded challenge is not kc1.<base64url>.<base64url> with a valid payload',
  CHALLENGE_UNKNOWN_KEY: 'challenge names a key id the server does not hold',
  CHALLENGE_FORGED: 'challenge signature does not verify',
  CHALLENGE_NOT_YET_VALID: 'challenge was issued in the future (clock skew beyond tolerance)',
  TOKEN_EXPIRED: 'challenge has expired',
  ACTION_MISMATCH: 'challenge was issued for another action',
  ORIGIN_MISMATCH: 'token comes from an origin the challenge was not issued for',
  TOKEN_REPLAYED: 'challenge nonce was already used',
  DEVICE_SIGNATURE_INVALID: 'device signature does not verify with the key in the token',
  POW_INVALID: 'proof-of-work solution is missing or wrong',
} as const

export type TokenErrorCode = keyof typeof TOKEN_ERRORS

/** Where the client kept its device key: IndexedDB (persistent) or this page only. */
export const KEY_STORAGE = ['idb', 'page'] as const
export type KeyStorage = (typeof KEY_STORAGE)[number]

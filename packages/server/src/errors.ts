/** Where a code comes from and what it means, as the docs' tables show it (Markdown). */
export interface ErrorCodeDoc {
  readonly from: string
  readonly meaning: string
}

/**
 * Every code a {@link KenchiError} carries: `CONFIG_*` for configuration (thrown by
 * factories), `CHALLENGE_*` from `challenge()`, and the reporting and input errors. The one
 * list: {@link ErrorCode} is derived from it, and the table in docs/server.md is generated
 * from it (`node scripts/generate-error-docs.mjs`; a test fails when they differ).
 */
export const ERROR_CODES = {
  CONFIG_KEYS: { from: '`createVerifier`', meaning: 'missing keys, bad id, duplicate id, secret under 32 bytes' },
  CONFIG_HASH_SECRET: { from: '`createVerifier`', meaning: '`hashSecret` missing or under 32 bytes' },
  CONFIG_ORIGINS: { from: '`createVerifier`', meaning: 'no origins, or one that is not `scheme://host[:port]`' },
  CONFIG_POLICY: { from: '`createVerifier`, `updatePolicy`', meaning: 'a policy member out of range (the message names it)' },
  CONFIG_TIME: {
    from: '`createVerifier`',
    meaning: '`challengeTtl`, `clockTolerance`, `storeTimeout` or a `rejectedEvents` member not a sensible number',
  },
  CONFIG_RULE: { from: 'rule factories, `createVerifier`', meaning: 'bad rule option, or a rule without name, mode or `evaluate`' },
  CONFIG_ADAPTER: {
    from: 'adapters, `ChallengeLimiter`',
    meaning: 'bad `endpoint`, no client files to serve, or a `challengeLimit` option that is not a whole number ≥ 1',
  },
  CONFIG_LIMITER: { from: '`createPageViewLimiter`', meaning: '`max` not a positive integer, or `windowMs` / `blockMs` under 1000 ms' },
  CONFIG_TEST_MODE: { from: '`createVerifier`', meaning: '`testMode` while `NODE_ENV` is `production`, or a bad test decision' },
  CONFIG_STORE: {
    from: '`memoryStore`, `sqliteStore`, `redisStore`, `postgresStore`',
    meaning:
      "the store's driver (`better-sqlite3`, `ioredis`, `pg`) is not installed (the message says what to install), bad store options, or a database written by a newer version",
  },
  CONFIG_LIST: {
    from: '`createList`, `loadList`, list `add`/`replace`/`reload`, `torExitList`',
    meaning: 'an invalid list entry or kind, an unreadable list file, or a Tor list whose first load failed',
  },
  CONFIG_GEO: { from: '`createGeo`, `createHostingNetworks`', meaning: 'the country or ASN database is missing or unreadable' },
  CONFIG_NOTIFY: {
    from: '`createNotifier`',
    meaning: 'a bad hook, webhook, e-mail or rate-limit option, or SMTP options without `nodemailer` installed',
  },
  CONFIG_STEP_UP: {
    from: '`createStepUp`, `emailSender`',
    meaning:
      'a missing verifier, sender or secret (≥ 32 bytes), an option out of range (the message names it), or SMTP options without `nodemailer` installed',
  },
  CONFIG_CONFIRM: {
    from: '`createConfirmations`',
    meaning: 'a missing store, sender or secret, a `linkUrl` that is not http(s), a bad purpose, or an option out of range',
  },
  CONFIG_SERVICE: {
    from: '`createService`, `resolveConfig`, `loadConfigFile`, `mountConfiguredConsole`',
    meaning:
      'an invalid configuration (the message names the field), a bad mount path, or a missing optional peer (`prom-client`, `pino`, `@kenchi/console`)',
  },
  PRIVACY_SUBJECT: {
    from: '`exportUser`, `eraseUser`',
    meaning: 'no `userId`, `loginId` or `userHash`, an empty id, a malformed `userHash`, or an id without `hashSecret` / `verifier`',
  },
  CHALLENGE_ACTION: { from: '`challenge()`', meaning: 'the action is not a lower-case word of up to 32 characters' },
  CHALLENGE_ORIGIN: { from: '`challenge()`', meaning: 'the origin is not in `origins`' },
  EVENT_UNKNOWN: { from: '`reportOutcome`, `label`', meaning: 'no event with that id' },
  INPUT_INVALID: {
    from: '`reportOutcome`, `label`, `totp`, `base32Decode`',
    meaning: 'bad outcome, label, comment or event id; a TOTP option out of range or a secret that is not base32',
  },
  STORE_UNAVAILABLE: {
    from: '`reportOutcome`, `label`, step-up and confirmation calls',
    meaning: 'the store is down and the write queue is full (reports), or the store failed during the call (step-up, confirmations)',
  },
} as const satisfies Record<string, ErrorCodeDoc>

/** A stable code of a {@link KenchiError}. */
export type ErrorCode = keyof typeof ERROR_CODES

/**
 * Codes a step-up answers with as results (`{ ok: false, code }`), not exceptions; the
 * table in docs/step-up.md is generated from this map. `STEP_UP_ERROR_CODES` lists its keys.
 */
export const STEP_UP_ERRORS = {
  STEP_UP_INPUT_INVALID: {
    from: '`start`, `check`, `checkTotp`',
    meaning: 'malformed event id, empty user id, bad address, a code that is not `codeLength` digits, a TOTP secret that is not base32',
  },
  STEP_UP_EVENT_UNKNOWN: { from: '`start`, `check`, `checkTotp`', meaning: 'no verdict with that event id' },
  STEP_UP_NOT_ALLOWED: { from: '`start`, `check`, `checkTotp`', meaning: 'the verdict was `deny`' },
  STEP_UP_MISMATCH: {
    from: '`start`, `check`, `checkTotp`',
    meaning:
      "another login id (or user id) than the verdict's, another device than the verdict's, or an address other than the one given to `verify()`",
  },
  STEP_UP_NOT_STARTED: { from: '`check`', meaning: 'no code was issued for this event' },
  STEP_UP_WRONG_CODE: {
    from: '`check`, `checkTotp`',
    meaning: 'not the current code; `attemptsLeft` says how many tries remain (an earlier code after a resend is wrong too)',
  },
  STEP_UP_EXPIRED: {
    from: '`start`, `check`',
    meaning: "the code's lifetime is over (ask for a new one: costs no attempt), or the verdict is older than `eventMaxAgeMs`",
  },
  STEP_UP_USED: {
    from: '`start`, `check`, `checkTotp`',
    meaning: 'this step-up has already passed (a replayed code), or this TOTP code was already used',
  },
  STEP_UP_TOO_MANY_ATTEMPTS: {
    from: '`check`, `checkTotp`',
    meaning: '`maxAttempts` wrong codes; the event cannot pass any more, even with the right code (log in again)',
  },
  STEP_UP_COOLDOWN: { from: '`start`', meaning: 'a resend sooner than `resend.cooldownMs`; `retryAfterMs`' },
  STEP_UP_RESEND_LIMIT: { from: '`start`', meaning: 'more than `resend.max` resends' },
  STEP_UP_RATE_LIMITED: {
    from: '`start`, `check`, `checkTotp`, passkeys',
    meaning: 'per-user, per-device, per-IP or per-address limit; `retryAfterMs` (an upper bound)',
  },
  STEP_UP_PASSKEY_INVALID: {
    from: '`checkPasskey`',
    meaning: 'the assertion does not verify against the stored passkey (signature, origin, RP id, counter); `attemptsLeft`',
  },
} as const satisfies Record<string, ErrorCodeDoc>

/**
 * Codes a confirmation answers with as results (`{ ok: false, code }`); the table in
 * docs/step-up.md is generated from this map. `CONFIRM_ERROR_CODES` lists its keys.
 */
export const CONFIRM_ERRORS = {
  CONFIRM_INPUT_INVALID: { from: '`send`, `confirmCode`', meaning: 'unknown purpose, bad reference, empty address, malformed code' },
  CONFIRM_INVALID: { from: '`confirmLink`', meaning: 'not a token signed with this secret (altered, forged, truncated)' },
  CONFIRM_PURPOSE: { from: '`confirmLink`', meaning: 'a valid token for another purpose than the one expected' },
  CONFIRM_EXPIRED: { from: '`confirmLink`, `confirmCode`', meaning: 'the link or code is past its lifetime' },
  CONFIRM_USED: { from: 'all', meaning: 'this reference has already been confirmed' },
  CONFIRM_NOT_SENT: { from: '`confirmCode`', meaning: 'no message was sent for this reference' },
  CONFIRM_WRONG_CODE: { from: '`confirmCode`', meaning: 'not the current code; `attemptsLeft`' },
  CONFIRM_TOO_MANY_ATTEMPTS: { from: '`confirmCode`', meaning: '`maxAttempts` wrong codes' },
  CONFIRM_COOLDOWN: { from: '`send`', meaning: 'another message for this reference sooner than `cooldownMs`' },
  CONFIRM_RATE_LIMITED: { from: '`send`', meaning: 'per-address or per-IP limit' },
} as const satisfies Record<string, ErrorCodeDoc>

/** The HTTP status and the meaning of a verification-service error. */
export interface ServiceErrorDoc {
  readonly status: number
  readonly when: string
}

/**
 * Codes the verification service's JSON API answers with (`{ "error": code, "message" }`),
 * with their HTTP status; the table in docs/service.md and the enum in docs/openapi.json
 * are checked against this map. `SERVICE_ERROR_CODES` lists its keys.
 */
export const SERVICE_ERRORS = {
  invalid_json: { status: 400, when: 'the body is not JSON' },
  invalid_request: {
    status: 400,
    when: 'a field is missing, of the wrong type, too long or unknown; `message` names it (`context.action: must be a string of at most 32 characters`)',
  },
  unauthorized: { status: 401, when: 'no secret, or not a secret of any site' },
  origin_not_allowed: { status: 403, when: "a browser's preflight to `/s/<site>/challenge` from an origin not configured for the site" },
  event_unknown: { status: 404, when: "`/v1/outcome`, `/v1/label`: no such event **for this site** (another site's event is unknown too)" },
  duplicate_report: {
    status: 409,
    when: '`/v1/outcome`: this outcome was already reported for this event (a replayed or retried request is not counted twice)',
  },
  stepup_not_configured: { status: 404, when: 'the site has no `stepUp` (`/v1/stepup/start`, `/check`: or no `smtp` for e-mail codes)' },
  passkey_not_configured: {
    status: 404,
    when: '`/v1/stepup/passkey/*`: the site has no `stepUp.passkey`, or `@simplewebauthn/server` is not installed',
  },
  confirm_not_configured: { status: 404, when: 'the site has no `confirm`' },
  not_found: { status: 404, when: 'no such path (e.g. `/v2/…`)' },
  method_not_allowed: { status: 405, when: 'not `POST`' },
  body_too_large: { status: 413, when: 'the body is over `bodyLimit`' },
  unsupported_media_type: { status: 415, when: 'not `application/json`' },
  store_unavailable: { status: 503, when: 'the store is down and the retry queue is full (`/v1/privacy/*`: a store call failed)' },
  shutting_down: { status: 503, when: 'the service is stopping' },
  internal_error: { status: 500, when: 'a bug: logged' },
} as const satisfies Record<string, ServiceErrorDoc>

/**
 * Errors thrown by factories and by the reporting calls (never by `verify()`), with a
 * stable `code` from {@link ERROR_CODES}: `CONFIG_*` for configuration, `CHALLENGE_*` from
 * `challenge()`, `EVENT_UNKNOWN`, `STORE_UNAVAILABLE` and `INPUT_INVALID` from
 * `reportOutcome()` / `label()`.
 */
export class KenchiError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KenchiError'
    this.code = code
  }
}

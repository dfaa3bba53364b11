// @kenchi/server: the core entry. What every shop needs to verify a request: the verifier,
// its options and policy, verdicts and reason codes, errors, the four stores, test mode.
// Features have their own subpaths (docs/server.md, "Imports"):
//   @kenchi/server/rules              rules, weights, rule helpers for custom rules
//   @kenchi/server/stepup             step-up codes, confirmations, TOTP, senders
//   @kenchi/server/notify             alerts by mail and webhook
//   @kenchi/server/lists              lists, country and hosting-network lookups, Tor exits
//   @kenchi/server/service            the stand-alone verification service
//   @kenchi/server/adapters           rate limiters for any HTTP framework
//   @kenchi/server/adapters/express   (and /fastify, /hono) the framework adapters
// Everything else is internal: it may change in any release.

// Verifier, its options and policy
export { createVerifier, OUTCOMES, DEFAULT_ALERT_ON } from './verifier.js'
export type { Verifier, VerifierOptions, IssuedChallenge, ReportStatus, RejectedEventsOptions } from './verifier.js'
export type { VerifyContext } from './rules/types.js'
export type { ServerKey } from './keys.js'
export { DEFAULT_POLICY } from './policy.js'
export type { Policy, ActionPolicy, PolicyPatch } from './policy.js'
export { DEFAULT_THRESHOLDS } from './scoring.js'
export type { Thresholds } from './scoring.js'
export { DEFAULT_ATTACK_POLICY } from './attack.js'
export type { AttackPolicy, AttackResponse, AttackState } from './attack.js'

// Verdicts and reasons
export type { Decision, DeviceStatus, Reason, Verdict, VerdictDevice } from './verdict.js'
export { REASONS } from './reasons.js'
export type { ReasonCode } from './reasons.js'

// Errors
export { KenchiError, ERROR_CODES } from './errors.js'
export type { ErrorCode } from './errors.js'

// Privacy requests: export and erase what is held about a person
export { eraseUser, exportUser, userHashOf } from './privacy.js'
export type { EraseOptions, PrivacyOptions, PrivacySubject, UserErasure, UserExport } from './privacy.js'

// Stores
export type {
  Store,
  DeviceRecord,
  EventRecord,
  EventPatch,
  Label,
  Outcome,
  UserDeviceLink,
  UserDeviceRecord,
  UserEventErasure,
} from './stores/types.js'
export { MAX_STORE_VALUE } from './stores/types.js'
export { memoryStore } from './stores/memory.js'
export type { MemoryStoreOptions } from './stores/memory.js'
export { sqliteStore, SQLITE_SCHEMA_VERSION } from './stores/sqlite.js'
export type { SqliteStore, SqliteStoreOptions } from './stores/sqlite.js'
export { redisStore } from './stores/redis.js'
export type { RedisClientLike, RedisStoreOptions } from './stores/redis.js'
export { postgresStore, POSTGRES_SCHEMA_VERSION } from './stores/postgres.js'
export type { PostgresStore, PostgresStoreOptions } from './stores/postgres.js'
export { splitStore } from './stores/split.js'
export type { SplitStore, SplitStoreOptions } from './stores/split.js'
export { MAX_QUERY_LIMIT, MAX_EVENT_BUCKETS } from './stores/types.js'
export type { EventQuery, EventCountQuery, EventBucket } from './stores/types.js'

// Test mode
export { TEST_IDENTITIES } from './test-mode.js'
export type { TestModeOptions } from './test-mode.js'

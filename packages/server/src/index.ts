export { createVerifier } from './verifier.js'
export type { Verifier, VerifierOptions, IssuedChallenge } from './verifier.js'
export type { ServerKey } from './keys.js'
export { KenchiError } from './errors.js'
export { REASONS } from './reasons.js'
export type { ReasonCode } from './reasons.js'
export type { Decision, DeviceStatus, Reason, Verdict, VerdictDevice } from './verdict.js'
export { combine, decide, DEFAULT_THRESHOLDS } from './scoring.js'
export type { Thresholds } from './scoring.js'
export {
  automationRule,
  headlessRule,
  tamperingRule,
  consistencyRule,
  HEADLESS_WEIGHTS,
  TAMPERING_WEIGHTS,
  CONSISTENCY_WEIGHTS,
  historyRule,
  HISTORY_WEIGHTS,
  negativeRule,
  negativeIpKey,
  NEGATIVE_IP_TTL_MS,
  velocityRule,
  DEFAULT_VELOCITY_LIMITS,
  defaultRules,
  signalValue,
  ruleMode,
  ruleWeight,
} from './rules/index.js'
export type { HistoryRuleOptions, VelocityLimit, VelocityRuleOptions, Dimension } from './rules/index.js'
export type { AutomationRuleOptions, CodeRuleOptions, Rule, RuleInput, RuleMode, RuleOptions, VerifyContext } from './rules/index.js'
export { OUTCOMES } from './verifier.js'
export type { ReportStatus } from './verifier.js'
export type { Policy, ActionPolicy, PolicyPatch } from './policy.js'
export { DEFAULT_ATTACK_POLICY } from './attack.js'
export type { AttackPolicy, AttackResponse, AttackState, Alert } from './attack.js'
export { DEFAULT_POLICY } from './policy.js'
export type { EventPatch, Label, Outcome, UserDeviceLink, UserDeviceRecord } from './stores/types.js'
export { statusAfterVerdict, statusAfterOutcome, statusAfterLabel } from './device-status.js'
export { FAILURE_RETENTION_MS, failureKeys } from './effects.js'
export { memoryStore } from './stores/memory.js'
export type { MemoryStoreOptions } from './stores/memory.js'
export { sqliteStore, SQLITE_SCHEMA_VERSION } from './stores/sqlite.js'
export type { SqliteStore, SqliteStoreOptions } from './stores/sqlite.js'
export { redisStore } from './stores/redis.js'
export type { RedisStoreOptions } from './stores/redis.js'
export type { Store, DeviceRecord, EventRecord } from './stores/types.js'
export { createPageViewLimiter } from './page-views.js'
export type { PageViewLimiterOptions, PageViewDecision } from './page-views.js'

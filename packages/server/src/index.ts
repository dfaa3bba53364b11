export { createVerifier } from './verifier.js'
export type { Verifier, VerifierOptions, IssuedChallenge } from './verifier.js'
export type { ServerKey } from './keys.js'
export { KenchiError } from './errors.js'
export { REASONS } from './reasons.js'
export { TEST_IDENTITIES, type TestModeOptions } from './test-mode.js'
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
  deviceClaimsRule,
  CLAIMS_WEIGHTS,
  FRAUD_FINGERPRINT_TTL_MS,
  fraudFingerprintKey,
  missingSignalsRule,
  MISSING_SIGNALS_WEIGHTS,
  negativeRule,
  negativeIpKey,
  NEGATIVE_IP_TTL_MS,
  velocityRule,
  DEFAULT_VELOCITY_LIMITS,
  defaultRules,
  scriptedInputRule,
  scriptedFindings,
  scriptedTypingFindings,
  scriptedApproachFindings,
  onScreenTypingFindings,
  compositionFindings,
  SCRIPTED_WEIGHTS,
  SCRIPTED_THRESHOLDS,
  behaviourReplayRule,
  replayBands,
  typingProfileRule,
  TYPING_PROFILE_THRESHOLD,
  typingVector,
  loginTypingVector,
  typingProfileScore,
  scaledManhattan,
  aggregateDistance,
  addToAggregate,
  learnTypingProfile,
  memoryTypingProfiles,
  storeTypingProfiles,
  signalValue,
  ruleMode,
  ruleWeight,
} from './rules/index.js'
export type { DeviceClaimsRuleOptions, MissingSignalsRuleOptions } from './rules/index.js'
export type { HistoryRuleOptions, VelocityLimit, VelocityRuleOptions, Dimension } from './rules/index.js'
export type { ScriptedInputRuleOptions, Finding, BehaviourReplayRuleOptions, TypingProfileRuleOptions, TypingProfileStore, TypingProfile, TypingAggregate, TypingVector } from './rules/index.js'
export type { AutomationRuleOptions, CodeRuleOptions, Rule, RuleInput, RuleMode, RuleOptions, VerifyContext } from './rules/index.js'
export { OUTCOMES, DEFAULT_ALERT_ON } from './verifier.js'
export type { ReportStatus } from './verifier.js'
export type { Policy, ActionPolicy, PolicyPatch } from './policy.js'
export { DEFAULT_ATTACK_POLICY } from './attack.js'
export type { AttackPolicy, AttackResponse, AttackState } from './attack.js'
export { DEFAULT_POLICY } from './policy.js'
export type { EventPatch, Label, Outcome, UserDeviceLink, UserDeviceRecord } from './stores/types.js'
export { statusAfterVerdict, statusAfterOutcome, statusAfterLabel } from './device-status.js'
export { FAILURE_RETENTION_MS, failureKeys } from './effects.js'
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
export type { Store, DeviceRecord, EventRecord } from './stores/types.js'
export { MAX_STORE_VALUE, MAX_QUERY_LIMIT, MAX_EVENT_BUCKETS } from './stores/types.js'
export type { EventQuery, EventCountQuery, EventBucket } from './stores/types.js'
export { createPageViewLimiter } from './page-views.js'
export type { PageViewLimiterOptions, PageViewDecision } from './page-views.js'
export {
  ipListRule,
  userAgentListRule,
  NULL_USER_AGENT,
  emailDomainRule,
  emailDomain,
  EMAIL_ACTIONS,
  deviceListRule,
  ruleScope,
  ipAllowed,
} from './rules/index.js'
export type {
  IpListRuleOptions,
  UserAgentListRuleOptions,
  EmailDomainRuleOptions,
  DeviceListRuleOptions,
  Scope,
  ScopeOptions,
} from './rules/index.js'
export { createList, loadList, parseList } from './lists/list.js'
export type { FileBackedList, KenchiList, ListKind } from './lists/list.js'
export { isLocalIp, parseIp } from './lists/ip.js'
export { disposableDomains } from './lists/disposable.js'
export { foreignIpRule, REGISTRATION_ACTIONS, foreignLanguageRule } from './rules/index.js'
export type { ForeignIpPolicy, ForeignIpRuleOptions, ForeignLanguageRuleOptions } from './rules/index.js'
export { createGeo, geoFrom, defaultCountryDatabase } from './geo/country.js'
export type { Geo, GeoOptions } from './geo/country.js'
export { torRule } from './rules/index.js'
export type { TorRuleOptions } from './rules/index.js'
export { torExitList, TOR_BULK_EXIT_LIST_URL } from './lists/tor.js'
export type { TorExitList, TorExitListOptions } from './lists/tor.js'
export { contentRule, CONTENT_ACTIONS } from './rules/index.js'
export type { ContentRuleOptions, ContentRepeatOptions } from './rules/index.js'
export { countUrls, gibberish, normaliseText } from './content/text.js'
export type { GibberishFinding } from './content/text.js'
export { createNotifier, ALERTS_SUPPRESSED, signWebhook, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './notify/index.js'
export type { Alert, MailTransport, Notifier, NotifierOptions, NotifierStats } from './notify/index.js'
export { datacenterRule } from './rules/index.js'
export type { DatacenterRuleOptions } from './rules/index.js'
export { createHostingNetworks, DEFAULT_HOSTING_ASNS } from './geo/asn.js'
export type { HostingNetworks, HostingNetworksOptions } from './geo/asn.js'
export { createStepUp, STEP_UP_ERROR_CODES, emailSender, defaultCompose } from './stepup/index.js'
export type { StepUp, StepUpOptions, StepUpErrorCode, StepUpFailure, StepUpStarted, StepUpIdentity, CodeMessage, CodeSender, EmailSenderOptions } from './stepup/index.js'
export { createConfirmations, CONFIRM_ERROR_CODES } from './stepup/index.js'
export type { Confirmations, ConfirmationsOptions, ConfirmErrorCode, ConfirmFailure, Confirmed } from './stepup/index.js'
export { totp, hotp, verifyTotp, generateTotpSecret, base32Encode, base32Decode } from './stepup/index.js'
export type { TotpOptions, TotpAlgorithm } from './stepup/index.js'
export { ChallengeLimiter } from './adapters/limit.js'
export type { ChallengeLimitOptions, LimitAnswer } from './adapters/limit.js'
export { injectedInputRule, inputClockPhase, inputClockApplies, INJECTED_INPUT_THRESHOLDS, INJECTED_INPUT_WEIGHT } from './rules/index.js'
export type { InjectedInputRuleOptions } from './rules/index.js'
export { createService, resolveConfig, loadConfigFile, hashApiSecret, SERVICE_ERROR_CODES } from './service/index.js'
export { mountConfiguredConsole } from './service/console.js'
export type { Service, ServiceOptions, ServiceSite, NodeHandler, ServiceErrorCode, ServiceConfig, SiteConfig, SecretRef, StoreConfig, ResolvedConfig, ResolvedSite, Logger, LogLevel } from './service/index.js'

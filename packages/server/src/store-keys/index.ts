// Every store key the server builds, one module per namespace. Writers and readers of a key
// import its builder from here, so a key cannot be spelt two ways (the `by: 'site'` bug:
// the writer kept `login-failed:site`, the reader asked for `login-failed:site:all`).
export { OUTCOME_COUNTERS, outcomeCounterKey, failureKeys, type OutcomeCounter, type CounterScope } from './outcomes.js'
export { negativeIpKey, fraudFingerprintKey } from './negative.js'
export { userFingerprintKey, fineFingerprintId, coarseFingerprintId } from './fingerprints.js'
export { STORED_ID_PREFIX, storedIdKey } from './stored-ids.js'
export { nonceKey } from './nonce.js'
export { velocityRequestKey, velocityDistinctKey } from './velocity.js'
export { attackUsersKey } from './attack.js'
export { typingProfileKey } from './typing.js'
export { replayBandKey } from './replay.js'
export { contentRepeatKey } from './content.js'
export { pageViewKey, pageViewBlockKey } from './page-views.js'
export { READINESS_KEY } from './service.js'
export { recentEventKey } from './history.js'
export { stepUpKeys, confirmKeys, type StepUpKey, type ConfirmKey } from './stepup.js'

export { PROTOCOL_VERSION, CHALLENGE_PREFIX, TOKEN_PREFIX, LIMITS, TOKEN_ERRORS, KEY_STORAGE } from './constants.js'
export type { Limits, TokenErrorCode, KeyStorage } from './constants.js'
export type { Failure, Result } from './result.js'
export { base64urlEncode, base64urlDecode, utf8, fromUtf8 } from './base64url.js'
export { canonicalize, isWellFormed } from './canonical.js'
export type { Json } from './canonical.js'
export { checkShape } from './shape.js'
export type { ShapeViolation } from './shape.js'
export {
  challengeSigningInput,
  assembleChallenge,
  parseChallenge,
  readChallenge,
  KID_PATTERN,
  ACTION_PATTERN,
  ORIGIN_PATTERN,
} from './challenge.js'
export { tokenSigningInput, createToken, signToken, parseToken, peekTokenChallenge, lowS, NAME_PATTERN } from './token.js'
export { powHash, leadingZeroBits, checkPow, solvePow } from './pow.js'
export { jwkThumbprint } from './thumbprint.js'
export type { ChallengePayload, ParsedChallenge, DevicePublicKey, SignalResult, TokenBody, ParsedToken } from './types.js'
export {
  KEY_CATEGORY,
  FORM_EVENT,
  POINTER_EVENT,
  POINTER_KIND,
  VISIBILITY_EVENT,
  KEY_MODALITY,
  INPUT_EVENT,
  CONTACT_KIND,
  STREAM_WIDTH,
  MAX_FIELD,
  keyCode,
  formCode,
  inputCode,
  pointerCode,
  decodeStream,
  decodeKeys,
  decodePointer,
  decodeForm,
  decodeInputs,
  decodeContacts,
  decodeInputClock,
  INPUT_CLOCK_MAX_CODE,
  INPUT_CLOCK_SOURCE,
} from './behaviour.js'
export type { KeyCategory, KeyEvent, PointerRecord, FormEvent, InputRecord, ContactRecord, InputClockRecord } from './behaviour.js'
export { deviceHashes, fnv1a64, COARSE_GROUPS, FINGERPRINT_GROUPS } from './device-hash.js'
export { peekChallenge } from './peek.js'
export type { ChallengePeek } from './peek.js'
export { uaOs, UA_OS_PLATFORM, UA_OS_HINT_PLATFORM } from './ua-os.js'
export type { UaOs } from './ua-os.js'

// Short, human labels for the reason codes, for the console's lists and charts. The long
// descriptions come from `REASONS` in @kenchi/server (the same text as docs/reasons.md).
import { REASONS } from '@kenchi/server'

export const REASON_LABELS = {
  TOKEN_MISSING: 'No Kenchi token sent',
  TOKEN_TOO_LARGE: 'Token too large',
  TOKEN_MALFORMED: 'Malformed token',
  TOKEN_UNSUPPORTED_VERSION: 'Unknown protocol version',
  TOKEN_SCHEMA_INVALID: 'Token does not match the schema',
  TOKEN_LIMIT_EXCEEDED: 'Token over a size limit',
  CHALLENGE_MALFORMED: 'Malformed challenge',
  CHALLENGE_UNKNOWN_KEY: 'Challenge signed with an unknown key',
  CHALLENGE_FORGED: 'Forged challenge',
  CHALLENGE_NOT_YET_VALID: 'Challenge from the future (clock skew)',
  TOKEN_EXPIRED: 'Expired token',
  ACTION_MISMATCH: 'Token made for another action',
  ORIGIN_MISMATCH: 'Token made on another site',
  TOKEN_REPLAYED: 'Token used twice (replay)',
  DEVICE_SIGNATURE_INVALID: 'Bad device signature',
  POW_INVALID: 'Proof of work missing or wrong',
  AUTOMATION: 'Automated browser',
  HEADLESS: 'Headless browser traits',
  ENVIRONMENT_TAMPERED: 'Browser functions tampered with',
  ENVIRONMENT_INCONSISTENT: 'Inconsistent browser values',
  SCRIPTED_TYPING: 'Scripted typing',
  SCRIPTED_POINTER: 'Scripted mouse or touch',
  INJECTED_INPUT: 'Input injected by automation (not from the OS)',
  NO_INTERACTION: 'No key or pointer press',
  BEHAVIOR_REPLAYED: 'Recorded typing replayed',
  TYPING_MISMATCH: "Typing unlike this account's",
  FIRST_USER: 'New user (no history yet)',
  FIRST_USER_DEVICE: 'New device for this user',
  FIRST_USER_DEVICE_COUNT_OVER: 'User already trusts many devices',
  USER_DEVICE: 'Trusted device of this user',
  SAME_DEVICE: 'Device shared by several users',
  STORED_ID_CONFLICT: "Another device's stored id (copied cookie?)",
  FRAUD_FINGERPRINT: 'Fingerprint of a fraud device',
  SIGNALS_MISSING: 'Browser signals missing',
  VELOCITY_IP_USERS: 'Many users from one IP',
  VELOCITY_USER_IPS: 'One user from many IPs',
  VELOCITY_DEVICE_USERS: 'One device tried many users',
  VELOCITY_USER_DEVICES: 'One user from many devices',
  LOGIN_FAILURES: 'Many failed logins',
  VELOCITY_REGISTRATIONS: 'Many registrations',
  VELOCITY_ORDERS: 'Many orders',
  VELOCITY_CARD_REGISTRATIONS: 'Many card registrations',
  VELOCITY_INQUIRIES: 'Many inquiries',
  CARD_FAILURES: 'Card testing (many declined payments)',
  ATTACK_MODE: 'Attack mode is on',
  NEGATIVE_IP: 'IP on the deny list',
  NG_DEVICE: 'Device on the deny list',
  BOT: 'Bot User-Agent',
  EMAIL_DOMAIN_DENIED: 'Denied e-mail domain',
  DISPOSABLE_EMAIL: 'Throwaway e-mail address',
  FOREIGN_IP: 'IP outside the home countries',
  FOREIGN_IP_AND_LANGUAGE: 'Foreign IP and foreign browser language',
  TOR_IP_MATCH: 'Tor exit node',
  DATACENTER_IP: 'Hosting or cloud network',
  CONTENT_DENIED_STRING: 'Denied words in a form field',
  CONTENT_URL: 'URL in a form field',
  CONTENT_GIBBERISH: 'Random-looking text in a form field',
  CONTENT_REPEATED: 'Same form content again and again',
  STORE_UNAVAILABLE: 'Store unavailable',
  CONTEXT_INVALID: 'Unreadable verify() context',
  INTERNAL_ERROR: 'Internal error',
  RULE_FAILED: 'A rule failed (skipped)',
  TEST_MODE: 'Test mode (fixed verdict)',
}

/** Every reason code: `{ code: { label, description } }`. A code without a label shows its description. */
export function reasonCatalogue() {
  return Object.fromEntries(
    Object.entries(REASONS).map(([code, description]) => [code, { label: REASON_LABELS[code] ?? description, description }]),
  )
}

/** The label of a code, or the code itself for one this version does not know. */
export const reasonLabel = (code) => REASON_LABELS[code] ?? REASONS[code] ?? code

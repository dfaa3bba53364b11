import { TOKEN_ERRORS } from '@kenchi/protocol'

/**
 * Every reason code a verdict can carry, with what it means. Codes are stable; shops key
 * dashboards and alerts on them. Token codes come from the protocol's `TOKEN_ERRORS`.
 */
export const REASONS = {
  ...TOKEN_ERRORS,
  AUTOMATION: 'the browser reports or shows that it is driven by automation (WebDriver, headless, automation globals)',
  HEADLESS: 'the browser shows traits of a headless browser (no plugins, zero window sizes, missing browser objects...)',
  ENVIRONMENT_TAMPERED: 'browser functions or properties were replaced by script, as stealth plugins do',
  ENVIRONMENT_INCONSISTENT:
    'values a real browser keeps consistent disagree (user agent, platform, client hints, time zone, WebGL; a phone user agent on a desktop browser: touch points, GPU, screen, fonts)',
  SCRIPTED_TYPING:
    'key timing a script produces: constant hold times, the next key exactly as the last comes up, metronome latencies or IME composition steps, or random delays without rollover and without human hesitations (on-screen keyboards: judged on intervals only)',
  SCRIPTED_POINTER:
    'pointer input a script produces: press and release in the same instant, ruler-straight equal-step paths, paths too smooth for a hand, or touch contacts released at once or all equally long',
  INJECTED_INPUT:
    "mouse or key events no operating system produced: stamped off the window system's input clock, as input dispatched through the DevTools protocol is (Playwright, Puppeteer, patched drivers)",
  NO_INTERACTION:
    'no key or pointer press before the token (autofill, password manager or assistive input also look like this: a doubt only)',
  BEHAVIOR_REPLAYED: 'the typing timing of this request was seen before (on any account): a recording of a person replayed',
  TYPING_MISMATCH: "the rhythm of the login typing is far from this account's learned typing profile",
  FIRST_USER: 'no history for this user yet',
  FIRST_USER_DEVICE: 'a known user on a device they have not yet proven (no successful login or passed challenge on it)',
  FIRST_USER_DEVICE_COUNT_OVER: 'the user already trusts many devices and adds another',
  USER_DEVICE: 'a device key this user trusts (proven by a successful login, a passed challenge or a legit label on it)',
  SAME_DEVICE: 'the device has been used by several user ids (family device, multi-accounting or impersonation)',
  STORED_ID_CONFLICT:
    'the token claims a stored id (cookie, localStorage, IndexedDB) that another device key had first: a copied cookie, or a browser that lost its key and has not yet proven itself',
  FRAUD_FINGERPRINT:
    'a new device with the fine fingerprint of a device labelled fraud (a fraudster who re-keyed, or an identical machine: a doubt only)',
  SIGNALS_MISSING: 'the token lacks the signals every genuine client sends (core signals), or both its device signals and its behaviour',
  VELOCITY_IP_USERS: 'many distinct user ids from one IP address in a short time (list attack)',
  VELOCITY_USER_IPS: 'one user id from many IP addresses in a short time (distributed attack on an account)',
  VELOCITY_DEVICE_USERS: 'one device tried many user ids (credential stuffing)',
  VELOCITY_USER_DEVICES: 'one user id from many devices in a short time',
  LOGIN_FAILURES: 'many failed logins for this user, IP or device',
  VELOCITY_REGISTRATIONS: 'many registrations from this IP or device (mass registration)',
  VELOCITY_ORDERS: 'many orders from this user or IP',
  VELOCITY_CARD_REGISTRATIONS: 'many card registrations from this user or IP',
  VELOCITY_INQUIRIES: 'many inquiries from this user or IP',
  CARD_FAILURES: 'many declined payments with a high failure rate (card testing)',
  ATTACK_MODE: 'the site is under attack (many failed logins or user ids); attack mode applies its response',
  NEGATIVE_IP: 'the IP address is on a negative list (the IP deny list, or an event from it was labelled fraud)',
  NG_DEVICE: 'the device is on a negative list (the device deny list, or an event on it was labelled fraud)',
  BOT: 'the User-Agent matches the User-Agent deny list (or is empty and the list has @null@)',
  EMAIL_DOMAIN_DENIED: 'the e-mail address is at a denied domain or a subdomain of one',
  DISPOSABLE_EMAIL: 'the e-mail address is at a disposable (throwaway) mail domain',
  FOREIGN_IP: 'the IP address is located outside the home countries',
  FOREIGN_IP_AND_LANGUAGE: 'the IP address is foreign and none of the browser languages is a home language',
  TOR_IP_MATCH: 'the IP address is a Tor exit node',
  DATACENTER_IP: 'the IP address belongs to a hosting or cloud network (servers, VPNs, proxies)',
  CONTENT_DENIED_STRING: 'a form field contains a denied string',
  CONTENT_URL: 'a form field contains a URL',
  CONTENT_GIBBERISH: 'a form field contains an unreadable, random-looking string',
  CONTENT_REPEATED: 'the same form content was submitted repeatedly within the window',
  STORE_UNAVAILABLE: 'the store failed; the decision follows the onStoreError policy',
  CONTEXT_INVALID: 'the verify() context could not be read (a getter or proxy trap threw): deny, nothing spent or recorded',
  INTERNAL_ERROR: 'the verifier hit an unexpected error; the decision follows the onStoreError policy',
  RULE_FAILED: 'a rule threw and was skipped; it contributes nothing',
  TEST_MODE: 'test mode (createVerifier({ testMode })): the decision is the fixed test decision, no rule ran; never in production',
} as const

export type ReasonCode = keyof typeof REASONS

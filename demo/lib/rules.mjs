// The demo verifier's rules: the defaults, plus the list rules and the foreign-IP rule of
// docs/rules.md with small demo lists. The lists, the foreign-IP policy and each rule's
// mode (live / monitor) can be changed at run time from the admin console's policy page;
// like `verifier.updatePolicy()`, the changes live in memory until the demo restarts.
import { KenchiError } from '@kenchi/server'
import { defaultRules, deviceListRule, emailDomainRule, foreignIpRule, ipListRule, userAgentListRule } from '@kenchi/server/rules'
import { createGeo, createList, isLocalIp, parseIp } from '@kenchi/server/lists'

/** The demo's lists: what each holds, the rule that reads it and the reason it gives. */
export const LIST_INFO = {
  ip: { kind: 'ip', rule: 'ip-list', reason: 'NEGATIVE_IP', title: 'IP deny list (addresses and CIDR ranges)' },
  userAgent: { kind: 'substring', rule: 'user-agent-list', reason: 'BOT', title: 'User-Agent deny list (substrings; @null@ = empty)' },
  emailDomain: {
    kind: 'domain',
    rule: 'email-domain',
    reason: 'EMAIL_DOMAIN_DENIED',
    title: 'E-mail domain deny list (register, newsletter, inquiry, profile)',
  },
  device: { kind: 'exact', rule: 'device-list', reason: 'NG_DEVICE', title: 'Device deny list (device ids)' },
}

/** The reason codes each of the demo's rules can give, for the console. */
export const RULE_REASONS = {
  negative: ['NG_DEVICE', 'NEGATIVE_IP'],
  automation: ['AUTOMATION'],
  headless: ['HEADLESS'],
  tampering: ['ENVIRONMENT_TAMPERED'],
  consistency: ['ENVIRONMENT_INCONSISTENT'],
  'scripted-input': ['SCRIPTED_TYPING', 'SCRIPTED_POINTER', 'NO_INTERACTION'],
  history: ['FIRST_USER', 'FIRST_USER_DEVICE', 'FIRST_USER_DEVICE_COUNT_OVER', 'USER_DEVICE', 'SAME_DEVICE'],
  velocity: [
    'VELOCITY_IP_USERS',
    'VELOCITY_USER_IPS',
    'VELOCITY_DEVICE_USERS',
    'VELOCITY_USER_DEVICES',
    'LOGIN_FAILURES',
    'VELOCITY_REGISTRATIONS',
    'VELOCITY_ORDERS',
    'VELOCITY_CARD_REGISTRATIONS',
    'VELOCITY_INQUIRIES',
    'CARD_FAILURES',
  ],
  'ip-list': ['NEGATIVE_IP'],
  'user-agent-list': ['BOT'],
  'email-domain': ['EMAIL_DOMAIN_DENIED', 'DISPOSABLE_EMAIL'],
  'device-list': ['NG_DEVICE'],
  'foreign-ip': ['FOREIGN_IP'],
  content: ['CONTENT_DENIED_STRING', 'CONTENT_URL', 'CONTENT_GIBBERISH', 'CONTENT_REPEATED'],
}

/**
 * Builds the demo's rules. Resolves `{ rules, lists, ruleModes, setRuleMode, foreignIp,
 * setForeignIp, country }`: pass `rules` to `createVerifier`, the rest to the admin console.
 * `extra` rules (e.g. the shop's `contentRule`) run after these, and the console can switch
 * their mode too.
 * @param {{ extra?: import('@kenchi/server/rules').Rule[] }} [options]
 */
export async function demoRules({ extra = [] } = {}) {
  const lists = {
    // Empty until someone adds an address (the console's policy page, or "deny this IP").
    ip: createList('ip', []),
    // Scripted HTTP clients that never run a browser; @null@ is an empty User-Agent.
    userAgent: createList('substring', ['python-requests', 'curl/', 'wget/', 'go-http-client', 'scrapy', '@null@']),
    // A denied domain to try; disposable (throwaway) domains are checked separately.
    emailDomain: createList('domain', ['spam.example']),
    device: createList('exact', []),
  }
  // The country database (DB-IP Lite, CC BY 4.0) opens in about 0.15 s. The demo listens on
  // 127.0.0.1, and local addresses are never foreign: the console's "try an address" shows
  // what the policy would do for a real one.
  const geo = await createGeo()
  let foreign = { policy: 'allow', homeCountries: ['JP'] }
  let foreignRule = foreignIpRule({ geo, ...foreign })

  const base = [
    ...defaultRules(),
    ipListRule({ deny: lists.ip }),
    userAgentListRule({ deny: lists.userAgent }),
    emailDomainRule({ deny: lists.emailDomain }),
    deviceListRule({ deny: lists.device }),
    // Rebuilt when the console changes the foreign-IP policy (rule options are fixed).
    { name: 'foreign-ip', mode: 'live', evaluate: (input) => foreignRule.evaluate(input) },
    ...extra,
  ]
  // A rule is plain data `{ name, mode, evaluate }` and the verifier reads `mode` on every
  // verification, so a getter lets the console switch one rule to monitor mode.
  /** @type {Map<string, 'live' | 'monitor'>} */
  const modes = new Map()
  const rules = base.map((rule) => ({
    name: rule.name,
    get mode() {
      return modes.get(rule.name) ?? rule.mode
    },
    // A rule's declared store reads go with it, so they stay in verify()'s one read batch.
    ...(rule.reads ? { reads: (input) => rule.reads(input) } : {}),
    evaluate: (input) => rule.evaluate(input),
  }))

  return {
    rules,
    lists,
    ruleModes: () =>
      base.map((rule) => ({
        name: rule.name,
        mode: modes.get(rule.name) ?? rule.mode,
        defaultMode: rule.mode,
        reasons: RULE_REASONS[rule.name] ?? [],
      })),
    /** Throws `KenchiError` (`INPUT_INVALID`) for an unknown rule or mode. */
    setRuleMode(name, mode) {
      const rule = base.find((r) => r.name === name)
      if (!rule) throw new KenchiError('INPUT_INVALID', `no rule named ${String(name).slice(0, 40)}`)
      if (mode !== 'live' && mode !== 'monitor') throw new KenchiError('INPUT_INVALID', "mode: 'live' or 'monitor'")
      if (mode === rule.mode) modes.delete(name)
      else modes.set(name, mode)
    },
    foreignIp: () => structuredClone(foreign),
    /** Validates through `foreignIpRule` (throws `KenchiError` `CONFIG_RULE`) before anything changes. */
    setForeignIp(patch) {
      const next = { policy: patch?.policy ?? foreign.policy, homeCountries: patch?.homeCountries ?? foreign.homeCountries }
      const built = foreignIpRule({ geo, policy: next.policy, homeCountries: next.homeCountries })
      foreign = { policy: next.policy, homeCountries: next.homeCountries.map((c) => c.toUpperCase()) }
      foreignRule = built
      return structuredClone(foreign)
    },
    /** `undefined` for a string that is no IP address; else its country (`undefined` for local or unknown ones). */
    country: (ip) => (parseIp(ip) === undefined ? undefined : { country: geo.country(ip), local: isLocalIp(ip) }),
  }
}

import type { AttackMonitor } from '../attack.js'
import type { Guard } from '../verify/store-call.js'
import type { Rule } from './types.js'

/**
 * Attack mode as a rule: on every verification it records a login attempt (the login id
 * tried, for `distinctUsers`), re-reads the site-wide counts (at most every 2 seconds,
 * `AttackMonitor.check`) and, while attack mode is on, adds `ATTACK_MODE` as
 * `policy.attack.response` says (see docs/rules.md#attack-mode-policy-attack). Always
 * `live`. `createVerifier` puts it first in every pipeline, before `rules` (the defaults or
 * your own list), so attack mode works whatever rules are configured; not for your lists.
 * A store that fails or is slower than `guard` allows keeps attack mode in its last state,
 * and never fails the rule.
 */
export function attackRule(monitor: AttackMonitor, guard: Guard): Rule {
  return {
    name: 'attackRule',
    mode: 'live',
    async evaluate({ context, loginHash, now }) {
      try {
        if (context.action === 'login') await guard(() => monitor.observeLogin(loginHash, now))
        await guard(() => monitor.check(now))
      } catch {
        // attack mode keeps its last state when the store cannot tell
      }
      const reason = monitor.reasonFor(context.action)
      return reason ? [reason] : []
    },
  }
}

import type { AttackMonitor } from '../attack.js'
import type { Guard } from '../verify/store-call.js'
import { readInputOf, readNow } from './reads.js'
import type { ReadInput, Rule } from './types.js'

/**
 * Attack mode as a rule: on every verification it records a login attempt (the login id
 * tried, for `distinctUsers`), re-reads the site-wide counts (at most every 2 seconds,
 * `AttackMonitor.check`) and, while attack mode is on, adds `ATTACK_MODE` as
 * `policy.attack.response` says (see docs/rules.md#attack-mode-policy-attack). Always
 * `live`. `createVerifier` puts it first in every pipeline, before `rules` (the defaults or
 * your own list), so attack mode works whatever rules are configured; not for your lists.
 * Its store calls are declared (`AttackMonitor.reads`) and sent in the verification's one
 * read batch. A store that fails or is slower than `guard` allows keeps attack mode in its
 * last state, and never fails the rule.
 */
export function attackRule(monitor: AttackMonitor, guard: Guard): Rule {
  const reads = ({ context, loginHash, now }: ReadInput) => monitor.reads(context.action, loginHash, now)
  return {
    name: 'attackRule',
    mode: 'live',
    reads,
    async evaluate(input) {
      let answers = input.answers
      if (answers === undefined) {
        // Run outside verify(): read now, under the guard.
        try {
          answers = await guard(() => readNow(input.store, reads(readInputOf(input))))
        } catch {
          // attack mode keeps its last state when the store cannot tell
        }
      }
      if (answers !== undefined) monitor.applyAnswers(input.now, answers)
      const reason = monitor.reasonFor(input.context.action)
      return reason ? [reason] : []
    },
  }
}

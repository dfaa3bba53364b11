import type { OpAnswer } from '../stores/batch.js'
import type { Rule, RuleInput } from '../rules/types.js'
import type { Reason } from '../verdict.js'

/**
 * Runs every rule's `evaluate` on `input` (with its own declared reads' answers, from
 * `answersFor`), all started at once in pipeline order, and settles them as
 * `Promise.allSettled` would: a rule that throws, rejects, or whose answers cannot be handed
 * to it (`answersFor` threw) is `rejected`, the others are not affected. A rule that answers
 * synchronously costs no promise; the result is a promise only if some rule answered with one.
 */
export function runRules(
  rules: readonly Rule[],
  input: RuleInput,
  answersFor: (i: number) => readonly (OpAnswer | undefined)[] | undefined,
): PromiseSettledResult<Reason[]>[] | Promise<PromiseSettledResult<Reason[]>[]> {
  const results = new Array<PromiseSettledResult<Reason[]>>(rules.length)
  let pending: Promise<void>[] | undefined
  for (let i = 0; i < rules.length; i++) {
    try {
      const own = answersFor(i)
      const value = rules[i]!.evaluate(own === undefined ? input : { ...input, answers: own })
      if (isThenable(value)) {
        const at = i
        ;(pending ??= []).push(
          Promise.resolve(value).then(
            (reasons) => void (results[at] = { status: 'fulfilled', value: reasons }),
            (reason: unknown) => void (results[at] = { status: 'rejected', reason }),
          ),
        )
      } else results[i] = { status: 'fulfilled', value }
    } catch (reason) {
      results[i] = { status: 'rejected', reason }
    }
  }
  return pending ? Promise.all(pending).then(() => results) : results
}

function isThenable(value: unknown): value is PromiseLike<Reason[]> {
  return (
    value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function')
  )
}

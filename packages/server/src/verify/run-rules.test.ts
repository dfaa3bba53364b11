import type { ParsedToken } from '@kenchi/protocol'
import { describe, expect, it } from 'vitest'
import type { Rule, RuleInput } from '../rules/types.js'
import type { Reason } from '../verdict.js'
import { memoryStore } from '../stores/memory.js'
import { runRules } from './run-rules.js'

const input: RuleInput = {
  token: {} as ParsedToken,
  context: { action: 'login' },
  device: { id: 'd', status: 'waiting', known: true },
  clues: { storedIds: [] },
  store: memoryStore(),
  now: 1,
}
const rule = (name: string, evaluate: Rule['evaluate']): Rule => ({ name, mode: 'live', evaluate })
const reason: Reason = { code: 'FIRST_USER', weight: 1 }

describe('runRules', () => {
  it('settles as Promise.allSettled, in order: synchronous, asynchronous, throwing, rejecting, and a rule whose answers cannot be handed over', async () => {
    const started: string[] = []
    const rules = [
      rule('sync', () => (started.push('sync'), [reason])),
      rule('async', async () => (started.push('async'), [reason, reason])),
      rule('throws', () => {
        started.push('throws')
        throw new Error('boom')
      }),
      rule('rejects', () => (started.push('rejects'), Promise.reject(new Error('later')))),
      rule('answers', (i) => (started.push('answers'), [{ ...reason, detail: { answers: i.answers?.length } }])),
      rule('unplanned', () => (started.push('unplanned'), [])),
    ]
    const answers = [{ ok: true as const, value: 1 }]
    const results = await runRules(rules, input, (i) => {
      if (i === 4) return answers
      if (i === 5) throw new TypeError('bad reads')
      return undefined
    })
    // Every rule started before any settled, in pipeline order (the unplanned one never ran).
    expect(started).toEqual(['sync', 'async', 'throws', 'rejects', 'answers'])
    expect(results).toEqual([
      { status: 'fulfilled', value: [reason] },
      { status: 'fulfilled', value: [reason, reason] },
      { status: 'rejected', reason: new Error('boom') },
      { status: 'rejected', reason: new Error('later') },
      { status: 'fulfilled', value: [{ ...reason, detail: { answers: 1 } }] },
      { status: 'rejected', reason: new TypeError('bad reads') },
    ])
  })

  it('answers without a promise when every rule answers synchronously', () => {
    const results = runRules([rule('a', () => []), rule('b', () => [reason])], input, () => undefined)
    expect(Array.isArray(results)).toBe(true)
    expect(results).toEqual([
      { status: 'fulfilled', value: [] },
      { status: 'fulfilled', value: [reason] },
    ])
  })
})

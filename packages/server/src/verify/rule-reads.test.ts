// Rules that declare their reads get the answers in evaluate; a rule whose declaration or
// read fails fails alone (RULE_FAILED), and a rule without `reads` still reads the store.
import { describe, expect, it } from 'vitest'
import { humanSignals, newDevice, tokenFor } from '../../../../test/support/tokens.js'
import { answered, readOps, withReads } from '../rules/reads.js'
import { negativeIpKey } from '../store-keys/negative.js'
import { memoryStore } from '../stores/memory.js'
import type { Rule } from '../rules/types.js'
import { createVerifier } from '../verifier.js'

const ORIGIN = 'https://shop.example'
const IP = '198.51.100.23'

async function verifyWith(rules: Rule[], prepare: (store: ReturnType<typeof memoryStore>) => Promise<void> | void = () => undefined) {
  const store = memoryStore()
  await prepare(store)
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'rulereads-secret-rulereads-secret-rule' }],
    hashSecret: 'rulereads-hash-rulereads-hash-rulereads',
    origins: [ORIGIN],
    store,
    rules,
  })
  const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
  const verdict = await verifier.verify(await tokenFor(challenge, { device: await newDevice(), signals: humanSignals() }), {
    action: 'login',
    ip: IP,
  })
  verifier.close()
  return verdict
}

describe('rules with declared reads in verify()', () => {
  it('a custom rule gets its typed answers in the declared order', async () => {
    const seen: unknown[] = []
    const rule = withReads({
      name: 'custom-flag',
      mode: 'live',
      reads: ({ context }) => [undefined, readOps.has(negativeIpKey(context.ip ?? '')), readOps.getValue(negativeIpKey('none'))] as const,
      evaluate(_input, [nothing, flagged, value]) {
        seen.push(nothing, answered(flagged), answered(value))
        return answered(flagged) ? [{ code: 'NEGATIVE_IP', weight: 100 }] : []
      },
    })
    const verdict = await verifyWith([rule], (store) => store.setFlag(negativeIpKey(IP), 60_000))
    expect(seen).toEqual([undefined, true, undefined])
    expect(verdict.decision).toBe('deny')
  })

  it('a rule whose reads() throws or declares garbage fails alone; a rule without reads still reads the store', async () => {
    const throwing: Rule = {
      name: 'throws-in-reads',
      mode: 'live',
      reads: () => {
        throw new Error('bug')
      },
      evaluate: () => [{ code: 'NEGATIVE_IP', weight: 100 }],
    }
    const garbage = { name: 'garbage-reads', mode: 'live', reads: () => [{ op: 'flushall' }], evaluate: () => [] } as unknown as Rule
    const direct: Rule = {
      name: 'direct',
      mode: 'live',
      async evaluate({ store, context }) {
        return (await store.has(negativeIpKey(context.ip!))) ? [{ code: 'NEGATIVE_IP', weight: 100 }] : []
      },
    }
    const verdict = await verifyWith([throwing, garbage, direct], (store) => store.setFlag(negativeIpKey(IP), 60_000))
    const failed = verdict.reasons.filter((r) => r.code === 'RULE_FAILED').map((r) => r.detail?.rule)
    expect(failed).toEqual(['throws-in-reads', 'garbage-reads'])
    expect(verdict.reasons.map((r) => r.code)).toContain('NEGATIVE_IP')
    expect(verdict.decision).toBe('deny')
  })

  it('a declared read that fails is the rule failure it was as a direct call', async () => {
    const verdict = await verifyWith(
      [
        withReads({
          name: 'flaky',
          mode: 'live',
          reads: () => [readOps.has(negativeIpKey(IP))] as const,
          evaluate: (_i, [a]) => (answered(a) ? [] : []),
        }),
      ],
      (store) => {
        store.has = () => Promise.reject(new Error('down'))
      },
    )
    expect(verdict.reasons).toContainEqual({ code: 'RULE_FAILED', weight: 0, detail: { rule: 'flaky', error: 'Error: down' } })
    expect(verdict.decision).toBe('allow')
  })
})

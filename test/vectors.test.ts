// Every case in packages/protocol/test-vectors/verify.json through a real verifier.
import { createVerifier } from '@kenchi/server'
import { describe, expect, it } from 'vitest'
import vectors from '../packages/protocol/test-vectors/verify.json'

describe('verify() against the published test vectors', () => {
  for (const c of vectors.cases) {
    it(c.name, async () => {
      // The identity-hash secret is not part of the protocol; any will do.
      const verifier = await createVerifier({ ...vectors.server, hashSecret: 'h'.repeat(32), now: () => vectors.server.now })
      for (const [i, expected] of c.expect.entries()) {
        const verdict = await verifier.verify(c.token, c.context)
        expect({ decision: verdict.decision, codes: verdict.reasons.map((r) => r.code) }, `verification ${i + 1}`).toEqual(expected)
        if ('deviceId' in c && verdict.decision === 'allow') expect(verdict.device?.id).toBe(c.deviceId)
      }
    })
  }
})

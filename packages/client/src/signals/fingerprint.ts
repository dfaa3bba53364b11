import { load } from '@fingerprintjs/fingerprintjs'
import type { Signal } from './types.js'

/**
 * The open-source FingerprintJS visitor id and its confidence. The library is loaded with
 * its usage-statistics request turned off, so the page talks to no third party.
 */
export const fingerprint: Signal = {
  name: 'fingerprint',
  collect: async () => {
    const agent = await load({ monitoring: false })
    const result = await agent.get()
    return { id: result.visitorId, confidence: result.confidence.score }
  },
}

import { FINGERPRINT_GROUPS } from '@kenchi/protocol'
import type { Signal } from './types.js'

/**
 * FingerprintJS (open source) device entropy. Sends its confidence score and one
 * 8-hex-digit hash per *group* of components (`g`: screen, locale, hardware, fonts,
 * graphics, audio, math, prefs, other), from which the server derives a coarse hash that
 * survives browser updates and a fine one (`deviceHashes` in `@kenchi/protocol`); the fine
 * hash takes the place of FingerprintJS's visitor id, which would cost 40 more bytes. Raw
 * components never leave the page. The library is imported lazily, with its
 * usage-statistics request turned off, so the page talks to no third party.
 */
export const fingerprint: Signal = {
  name: 'fingerprint',
  collect: async () => {
    const fp = await import('@fingerprintjs/fingerprintjs')
    const agent = await fp.load({ monitoring: false })
    const result = await agent.get()
    const groups: Record<string, Record<string, (typeof result.components)[keyof typeof result.components]>> = {}
    for (const [name, component] of Object.entries(result.components)) {
      const group = FINGERPRINT_GROUPS[name] ?? 'other'
      ;(groups[group] ??= {})[name] = component
    }
    const g: Record<string, string> = {}
    for (const group of Object.keys(groups).sort()) g[group] = fp.hashComponents(groups[group]!).slice(0, 8)
    return { confidence: result.confidence.score, g }
  },
}

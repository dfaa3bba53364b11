import { FINGERPRINT_GROUPS } from '@kenchi/protocol'
import type { Signal } from './types.js'

/**
 * FingerprintJS (open source) device entropy: one 8-hex-digit hash per *group* of
 * components (`g`: screen, locale, hardware, fonts, graphics, audio, math, prefs, other),
 * from which the server derives a coarse hash that survives browser updates and a fine
 * one (`deviceHashes` in `@kenchi/protocol`). Raw components never leave the page.
 * FingerprintJS is imported lazily, its sources are run directly (no usage-statistics
 * request: the page talks to no third party), and `domBlockers` is left out.
 */
export const fingerprint: Signal = {
  name: 'fingerprint',
  collect: async () => {
    const fp = await import('./fingerprint-components.js')
    const components = await fp.collectComponents()
    const groups: Record<string, typeof components> = {}
    for (const [name, component] of Object.entries(components)) {
      const group = FINGERPRINT_GROUPS[name] ?? 'other'
      ;(groups[group] ??= {})[name] = component
    }
    const g: Record<string, string> = {}
    for (const group of Object.keys(groups).sort()) g[group] = fp.hashComponents(groups[group]!).slice(0, 8)
    return { g }
  },
}

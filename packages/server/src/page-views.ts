import { pageViewBlockKey, pageViewKey } from './store-keys/page-views.js'
import type { Store } from './stores/types.js'
import { optionChecks } from './validate.js'

export interface PageViewLimiterOptions {
  /** Where the counters and blocks live (share it across processes). */
  store: Store
  /** Page views allowed per IP per window. Default 120. */
  max?: number
  /** Default one minute. */
  windowMs?: number
  /** How long an IP stays blocked after going over. Default 10 minutes. */
  blockMs?: number
  /** IPs never limited (office, monitoring, payment provider callbacks). */
  exemptIps?: readonly string[]
  /** Called once when an IP gets blocked. Errors are ignored. */
  onBlock?: (block: { ip: string; count: number; until: number }) => void
  /** Clock in Unix ms, for tests. */
  now?: () => number
}

export interface PageViewDecision {
  allowed: boolean
  /** Views counted in the current window (0 while blocked: blocked views are not counted). */
  count: number
  /** When blocked: the longest the block may still last, in ms (for a Retry-After header). */
  retryAfterMs?: number
}

/**
 * The shop platform's "page views per minute per IP, with a block duration and an exempt
 * list", for any page (not only protected forms): call `check(ip)` per request and answer
 * 429 when it is not allowed. The count and the block live in the store.
 */
export function createPageViewLimiter(options: PageViewLimiterOptions): { check(ip: string): Promise<PageViewDecision> } {
  const check = optionChecks('CONFIG_LIMITER', 'createPageViewLimiter')
  const max = check.positiveInteger('max', options.max, 120)
  const windowMs = check.number('windowMs', options.windowMs, { min: 1000 }, 60_000)
  const blockMs = check.number('blockMs', options.blockMs, { min: 1000 }, 10 * 60_000)
  const exempt = new Set(options.exemptIps ?? [])
  const now = options.now ?? Date.now
  const { store } = options
  return {
    async check(ip) {
      if (exempt.has(ip)) return { allowed: true, count: 0 }
      if (await store.has(pageViewBlockKey(ip))) return { allowed: false, count: 0, retryAfterMs: blockMs }
      const at = now()
      const count = await store.hit(pageViewKey(ip), windowMs, at)
      if (count <= max) return { allowed: true, count }
      // setIfAbsent: of several processes seeing the overflow, one reports the block.
      if (await store.setIfAbsent(pageViewBlockKey(ip), blockMs)) {
        try {
          options.onBlock?.({ ip, count, until: at + blockMs })
        } catch {
          // a hook that throws must not break the page
        }
      }
      return { allowed: false, count, retryAfterMs: blockMs }
    },
  }
}

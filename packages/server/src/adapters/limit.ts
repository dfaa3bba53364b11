// Bounded challenge issuance per client address: every challenge a client spends becomes a
// nonce the store keeps until it can no longer be replayed, so one client must not be able
// to ask for challenges faster than the store drains them.
import { parseIp } from '../lists/ip.js'
import { optionChecks } from '../validate.js'

export interface ChallengeLimitOptions {
  /** Most challenges one client address may get per window. Default 60. */
  max?: number
  /** The window, in seconds. Default 60. */
  windowSeconds?: number
  /** Most addresses tracked at once; beyond it the longest-tracked are forgotten. Default 100 000. */
  maxAddresses?: number
}

/** The answer for one request: allowed, or refused with the seconds until the window resets. */
export type LimitAnswer = { ok: true } | { ok: false; retryAfter: number }

/**
 * A fixed-window counter per client address, in this process's memory: an IPv4 address
 * counts alone, an IPv6 address counts with its whole /64 (one subscriber's prefix), an
 * IPv4-mapped IPv6 address as its IPv4 address. Requests without a usable address are not
 * limited. Memory is bounded by `maxAddresses`.
 */
export class ChallengeLimiter {
  readonly max: number
  readonly windowMs: number
  readonly maxAddresses: number
  readonly #windows = new Map<string, { start: number; count: number }>()
  readonly #now: () => number

  constructor(options: ChallengeLimitOptions = {}, now: () => number = Date.now) {
    const check = optionChecks('CONFIG_ADAPTER', 'challengeLimit')
    this.max = check.positiveInteger('max', options.max, 60)
    this.windowMs = check.positiveInteger('windowSeconds', options.windowSeconds, 60) * 1000
    this.maxAddresses = check.positiveInteger('maxAddresses', options.maxAddresses, 100_000)
    this.#now = now
  }

  /** The key an address counts under: the IPv4 address, or the IPv6 /64; `undefined` if not an address. */
  static keyFor(ip: unknown): string | undefined {
    const address = parseIp(ip)
    if (address === undefined) return undefined
    if (address.kind() === 'ipv4') return address.toString()
    const parts = (address as { parts: number[] }).parts
    return `${parts
      .slice(0, 4)
      .map((p) => p.toString(16))
      .join(':')}::/64`
  }

  /** Counts one challenge for `ip` and says whether it may be issued. */
  take(ip: unknown): LimitAnswer {
    const key = ChallengeLimiter.keyFor(ip)
    if (key === undefined) return { ok: true }
    const at = this.#now()
    let window = this.#windows.get(key)
    if (window === undefined || at - window.start >= this.windowMs) {
      this.#windows.delete(key)
      window = { start: at, count: 0 }
      this.#windows.set(key, window)
      while (this.#windows.size > this.maxAddresses) this.#windows.delete(this.#windows.keys().next().value as string)
    }
    if (window.count >= this.max) {
      return { ok: false, retryAfter: Math.max(1, Math.ceil((window.start + this.windowMs - at) / 1000)) }
    }
    window.count++
    return { ok: true }
  }
}

import { ACTION_PATTERN, readChallenge, signToken, solvePow, type SignalResult, type TokenBody } from '@kenchi/protocol'
import { loadDeviceKey, type DeviceKey } from './device-key.js'
import { collectSignals, SIGNAL_ERRORS, SIGNALS, type Signal } from './signals/index.js'

export interface KenchiOptions {
  /** URL of your challenge endpoint (it calls the server's `challenge()`). Default `/kenchi/challenge`. */
  challengeUrl?: string
  /** Longest `token()` waits for slow signals before sending what it has, in ms. Default 1500. */
  signalTimeout?: number
  /** Signals to collect, in run order. Default: all of `SIGNALS`. */
  signals?: readonly Signal[]
  /** `fetch` to use for the challenge request. Default: the global `fetch`. */
  fetch?: typeof fetch
}

export interface Kenchi {
  /**
   * Builds a signed token for `action` (`login`, `register`, `checkout`...). Fetches a
   * challenge if none is waiting, waits for the signals (at most `signalTimeout` ms) and
   * signs with the device key. Rejects with `KenchiClientError` if the challenge cannot be
   * fetched; send the request without a token then, and the server's policy decides.
   */
  token(action: string): Promise<string>
  /** Fetches a challenge for `action` ahead of time, so `token()` has no round trip to make. */
  prefetch(action: string): void
}

/** Why the client could not build a token: `challenge` (fetch failed or bad answer) or `action` (bad action name). */
export class KenchiClientError extends Error {
  readonly code: 'challenge' | 'action'
  constructor(code: 'challenge' | 'action', message: string) {
    super(message)
    this.name = 'KenchiClientError'
    this.code = code
  }
}

interface CachedChallenge {
  challenge: string
  /** Unix ms. */
  expiresAt: number
}

// A challenge this close to expiry is not used; a fresh one is fetched instead.
const EXPIRY_MARGIN_MS = 30_000

/**
 * Starts the client: collection begins at once, in the background, with the device key
 * loaded from IndexedDB. Call it once per page, as early as you can.
 */
export function load(options: KenchiOptions = {}): Kenchi {
  const challengeUrl = options.challengeUrl ?? '/kenchi/challenge'
  const signalTimeout = options.signalTimeout ?? 1500
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const signals: Record<string, SignalResult> = {}
  const signalList = options.signals ?? SIGNALS
  const collected = collectSignals(signalList, signals)
  const deviceKey: Promise<DeviceKey> = loadDeviceKey()
  const challenges = new Map<string, Promise<CachedChallenge>>()

  async function fetchChallenge(action: string): Promise<CachedChallenge> {
    let response: Response
    try {
      response = await doFetch(challengeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action }),
        credentials: 'same-origin',
      })
    } catch (error) {
      throw new KenchiClientError('challenge', `challenge request failed: ${String(error)}`)
    }
    const answer: unknown = response.ok ? await response.json().catch(() => undefined) : undefined
    const challenge = (answer as { challenge?: unknown } | undefined)?.challenge
    const payload = typeof challenge === 'string' ? readChallenge(challenge) : undefined
    if (!payload) throw new KenchiClientError('challenge', `challenge endpoint answered ${response.status} without a challenge`)
    // Judge expiry by the server's own lifetime, so a wrong client clock does not matter.
    return { challenge: challenge as string, expiresAt: Date.now() + (payload.exp - payload.iat) * 1000 }
  }

  function prefetch(action: string): Promise<CachedChallenge> {
    const pending = fetchChallenge(action)
    challenges.set(action, pending)
    pending.catch(() => {
      if (challenges.get(action) === pending) challenges.delete(action)
    })
    return pending
  }

  async function takeChallenge(action: string): Promise<CachedChallenge> {
    const cached = challenges.get(action)
    challenges.delete(action) // single use: a challenge goes into one token only
    if (cached) {
      const ready = await cached.catch(() => undefined)
      if (ready && ready.expiresAt - Date.now() > EXPIRY_MARGIN_MS) return ready
    }
    return fetchChallenge(action)
  }

  async function token(action: string): Promise<string> {
    if (typeof action !== 'string' || !ACTION_PATTERN.test(action)) {
      throw new KenchiClientError('action', 'action: a lower-case word of up to 32 characters')
    }
    const [key, { challenge }] = await Promise.all([deviceKey, takeChallenge(action), settle(collected, signalTimeout)])
    const payload = readChallenge(challenge)!
    const body: TokenBody = {
      v: 1,
      c: challenge,
      o: location.origin,
      t: Date.now(),
      k: key.publicJwk,
      ks: key.storage,
      s: snapshot(signals, signalList),
    }
    if (payload.pow) body.w = await solvePow(payload.n, payload.pow)
    return signToken(body, key.privateKey)
  }

  return {
    token,
    prefetch(action: string) {
      if (ACTION_PATTERN.test(action) && !challenges.has(action)) void prefetch(action).catch(() => undefined)
    },
  }
}

/** The results so far; signals still running are marked `timeout`. */
function snapshot(signals: Record<string, SignalResult>, list: readonly Signal[]): Record<string, SignalResult> {
  const out: Record<string, SignalResult> = {}
  for (const { name } of list) out[name] = signals[name] ?? { e: SIGNAL_ERRORS.timeout, d: 0 }
  return out
}

function settle(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    promise.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    )
  })
}

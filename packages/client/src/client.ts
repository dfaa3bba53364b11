import { peekChallenge, signToken, solvePow, type SignalResult, type TokenBody } from '@kenchi/protocol'
import { loadDeviceKey, type DeviceKey } from './device-key.js'
import { startRecording, type Recorder } from './recorder.js'
import { collectSignals, SIGNAL_ERRORS, type Signal } from './signals/types.js'

export interface KenchiOptions {
  /** Base path of your Kenchi endpoints; challenges come from `POST {endpoint}/challenge`. Default `/kenchi`. */
  endpoint?: string
  /** Longest `token()` waits for signals still running before sending what it has, in ms. Default 1500. */
  signalTimeout?: number
  /** Signals to collect, in run order. Default: all of `SIGNALS`. */
  signals?: readonly Signal[]
  /**
   * More signals, fetched lazily and collected after `signals` (the script tag uses this to
   * load the device signals and FingerprintJS after the page is idle). Default: none.
   */
  lateSignals?: () => Promise<readonly Signal[]>
  /**
   * The behaviour recorder: one you started earlier with `startRecording()`, or `false` to
   * send no behaviour. Default: a recorder started now.
   */
  recorder?: Recorder | false
  /** When to start collecting signals: `idle` (default: when the page is idle, at most 1 s later) or `now`. */
  start?: 'idle' | 'now'
  /** `fetch` to use for the challenge request. Default: the global `fetch`. */
  fetch?: typeof fetch
}

export interface Kenchi {
  /**
   * Builds a signed token for `action` (`login`, `register`, `checkout`...). Takes a
   * prefetched challenge or fetches one, waits for the signals (at most `signalTimeout`
   * ms), adds the behaviour recorded so far and signs with the device key. Rejects with
   * `KenchiClientError` if no challenge can be had; send the request without a token
   * then, and the server's missing-token policy decides.
   */
  token(action: string): Promise<string>
  /** Fetches a challenge for `action` ahead of time, so `token()` has no round trip to make. */
  prefetch(action: string): void
  /** Limits behaviour recording to these inputs (elements or selectors); see `Recorder.attach`. */
  attach(...targets: Array<Element | string>): void
  /** Resolves when every signal has finished (or failed): from then on `token()` waits for nothing but the challenge. */
  ready(): Promise<void>
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

// Actions, as the protocol defines them (ACTION_PATTERN), repeated to keep the challenge validator out of the early script.
const ACTION = /^[a-z][a-z0-9_-]{0,31}$/

/** Refusals already reported in the console (status and error code). */
const warned = new Set<string>()

// A challenge this close to expiry is not used; a fresh one is fetched instead.
const EXPIRY_MARGIN_MS = 30_000

/** Calls `run` when the page is idle (at most `timeout` ms later). */
export function whenIdle(run: () => void, timeout = 1000): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout })
  else setTimeout(run, 50)
}

/** `createKenchi` without a default signal list (the script tag's early part uses it so FingerprintJS stays out). */
export function createClient(options: KenchiOptions & { signals: readonly Signal[] }): Kenchi {
  const endpoint = (options.endpoint ?? '/kenchi').replace(/\/+$/, '')
  const signalTimeout = options.signalTimeout ?? 1500
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const recorder = options.recorder === false ? undefined : (options.recorder ?? startRecording())
  const results: Record<string, SignalResult> = {}
  const known: Signal[] = [...options.signals]
  const deviceKey: Promise<DeviceKey> = loadDeviceKey()
  const challenges = new Map<string, Promise<CachedChallenge>>()

  let collecting: Promise<void> | undefined
  const collect = (): Promise<void> =>
    (collecting ??= (async () => {
      await collectSignals([...known], results)
      if (!options.lateSignals) return
      const late = await options.lateSignals().catch(() => [] as readonly Signal[])
      known.push(...late)
      await collectSignals(late, results)
    })())
  if (options.start === 'now') void collect()
  else whenIdle(() => void collect())

  async function fetchChallenge(action: string): Promise<CachedChallenge> {
    let response: Response
    try {
      response = await doFetch(`${endpoint}/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action }),
        credentials: 'same-origin',
      })
    } catch (error) {
      throw new KenchiClientError('challenge', `challenge request failed: ${String(error)}`)
    }
    const answer = (await response.json().catch(() => undefined)) as { challenge?: unknown; error?: unknown } | undefined
    const challenge = response.ok ? answer?.challenge : undefined
    const payload = peekChallenge(challenge)
    if (!payload) {
      // Said once per reason in the console: a refused challenge (origin, action) otherwise fails silently.
      const why = `${response.status} ${answer?.error ?? ''}`
      if (!warned.has(why)) {
        warned.add(why)
        console.warn(
          `Kenchi: ${endpoint}/challenge refused "${action}" from ${globalThis.location?.origin}: ${why}; forms post without a token`,
        )
      }
      throw new KenchiClientError('challenge', `challenge endpoint answered ${why} without a challenge`)
    }
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
    if (typeof action !== 'string' || !ACTION.test(action)) {
      throw new KenchiClientError('action', 'action: a lower-case word of up to 32 characters')
    }
    const [key, { challenge }] = await Promise.all([deviceKey, takeChallenge(action), settle(collect(), signalTimeout)])
    const payload = peekChallenge(challenge)!
    const body: TokenBody = {
      v: 1,
      c: challenge,
      o: location.origin,
      t: Date.now(),
      k: key.publicJwk,
      ks: key.storage,
      s: snapshot(results, known),
    }
    if (recorder) body.b = recorder.snapshot()
    if (payload.pow) body.w = await solvePow(payload.n, payload.pow)
    return signToken(body, key.privateKey)
  }

  return {
    token,
    prefetch(action: string) {
      if (ACTION.test(action) && !challenges.has(action)) void prefetch(action).catch(() => undefined)
    },
    attach(...targets) {
      recorder?.attach(...targets)
    },
    ready: collect,
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

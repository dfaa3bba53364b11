// Builds real tokens in Node, the way the browser client does (same protocol functions,
// a real ECDSA P-256 key through Web Crypto), so server tests exercise true signatures.
import { signToken, solvePow, readChallenge, type SignalResult, type TokenBody, type DevicePublicKey } from '@kenchi/protocol'

export interface TestDevice {
  privateKey: CryptoKey
  publicJwk: DevicePublicKey
}

export async function newDevice(): Promise<TestDevice> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
  return { privateKey: pair.privateKey, publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! } }
}

/** Signals an ordinary desktop browser would send. */
export function humanSignals(): Record<string, SignalResult> {
  return {
    webdriver: { v: false, d: 0 },
    automation: { v: [], d: 0 },
    userAgent: { v: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', d: 0 },
    languages: { v: ['ja-JP', 'ja-JP', 'en-US'], d: 0 },
    timezone: { v: ['Asia/Tokyo', -540], d: 1 },
    screen: { v: [1920, 1080, 1920, 1040, 24, 1, 1280, 900, 1280, 1000], d: 0 },
    fingerprint: {
      v: {
        g: {
          audio: '2336ba0a',
          fonts: 'cefe11c5',
          graphics: '5ddd05fb',
          hardware: 'd347240a',
          locale: '5fa2e551',
          math: 'ab1db0f3',
          other: 'eeb5787d',
          prefs: '87df2072',
          screen: 'b8158beb',
        },
      },
      d: 38,
    },
  }
}

export interface TokenOptions {
  device?: TestDevice
  origin?: string
  signals?: Record<string, SignalResult>
  /** Change the body before it is signed. */
  edit?: (body: TokenBody) => void
}

/** Signs a token over a challenge string, solving its proof of work if it asks for one. */
export async function tokenFor(challenge: string, options: TokenOptions = {}): Promise<string> {
  const payload = readChallenge(challenge)
  if (!payload) throw new Error('not a challenge')
  const device = options.device ?? (await newDevice())
  const body: TokenBody = {
    v: 1,
    c: challenge,
    o: options.origin ?? payload.org,
    t: Date.now(),
    k: device.publicJwk,
    ks: 'idb',
    s: options.signals ?? withOwnFingerprint(humanSignals(), device),
  }
  if (payload.pow) body.w = await solvePow(payload.n, payload.pow)
  options.edit?.(body)
  return signToken(body, device.privateKey)
}

/**
 * Gives each test device its own canvas/audio/graphics fingerprint (derived from its key),
 * as different machines have; the screen, locale, hardware and fonts groups stay those of
 * `humanSignals()`, as on two laptops of the same model.
 */
export function withOwnFingerprint(signals: Record<string, SignalResult>, device: TestDevice): Record<string, SignalResult> {
  const fp = signals.fingerprint
  if (!fp || !('v' in fp)) return signals
  const groups = { ...(fp.v as { g: Record<string, string> }).g }
  const own = Buffer.from(device.publicJwk.x, 'base64url').toString('hex')
  groups.graphics = own.slice(0, 8)
  groups.audio = own.slice(8, 16)
  return { ...signals, fingerprint: { ...fp, v: { g: groups } } }
}

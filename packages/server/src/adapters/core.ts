// What the framework adapters share: the challenge endpoint, serving the client files
// with caching and integrity, reading a token from a request, and the script tag.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { KenchiError } from '../errors.js'
import type { VerifyContext } from '../rules/types.js'
import type { Verdict } from '../verdict.js'
import type { Verifier } from '../verifier.js'
import { ChallengeLimiter, type ChallengeLimitOptions } from './limit.js'

export interface AdapterOptions {
  /** Base path of the Kenchi endpoints. Default `/kenchi`: challenges at `/kenchi/challenge`, client files at `/kenchi/<file>`. */
  endpoint?: string
  /** Serve the browser client's built files under the endpoint. Default `true`. */
  serveClient?: boolean
  /** Folder with the client's built files. Default: `dist/` of the installed `@kenchi/client`. */
  clientDir?: string
  /** Origin to issue challenges for when a request has no Origin header. Default: none (such requests get 400). */
  origin?: string
  /**
   * Where a refused challenge request is explained (an origin not in `origins`, a bad action,
   * no Origin header): called once per reason and origin (at most 100 distinct), with a
   * sentence and its details. Default `console.warn`; `false` is silent.
   */
  logger?: ((message: string, detail: { code: string; origin?: string; action?: unknown }) => void) | false
  /**
   * Bounded challenge issuance per client address (IPv4 address, or IPv6 /64): past `max`
   * challenges in `windowSeconds`, `POST <endpoint>/challenge` answers 429 with
   * `Retry-After`. Default `{ max: 60, windowSeconds: 60 }`, counted in this process's
   * memory. `false` turns it off (only behind a proxy that limits already).
   */
  challengeLimit?: ChallengeLimitOptions | false
}

export interface ResolvedOptions {
  endpoint: string
  serveClient: boolean
  clientDir: string | undefined
  origin: string | undefined
  /** Reports a refused challenge once per reason and origin. */
  warn: (code: string, origin: string | undefined, action: unknown) => void
  /** `undefined` when `challengeLimit: false`. */
  limiter: ChallengeLimiter | undefined
}

const HINTS: Record<string, string> = {
  CHALLENGE_ORIGIN: 'the page origin is not in createVerifier({ origins }) (scheme, host and port must match exactly)',
  CHALLENGE_ACTION: 'the action is not a lower-case word of up to 32 characters (data-kenchi-action, token(action))',
  ORIGIN_MISSING: 'the request has no Origin header; pass the adapter option origin, or check your proxy keeps the header',
  BODY_INVALID: 'the body is not JSON {"action": "..."} of at most 1 KB',
}

function refusalLogger(logger: AdapterOptions['logger']): ResolvedOptions['warn'] {
  if (logger === false) return () => {}
  const log = logger ?? ((message: string) => console.warn(message))
  const seen = new Set<string>()
  return (code, origin, action) => {
    origin = origin?.slice(0, 200)
    const key = `${code} ${origin ?? ''}`
    if (seen.has(key) || seen.size >= 100) return
    seen.add(key)
    const shown = typeof action === 'string' ? JSON.stringify(action.slice(0, 40)) : 'none'
    log(
      `Kenchi: challenge refused (${code}) for origin ${origin ?? 'none'}, action ${shown}: ${HINTS[code] ?? code}; the form will post without a token`,
      {
        code,
        ...(origin !== undefined ? { origin } : {}),
        action,
      },
    )
  }
}

export function resolveOptions(options: AdapterOptions = {}): ResolvedOptions {
  const endpoint = (options.endpoint ?? '/kenchi').replace(/\/+$/, '')
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(endpoint)) throw new KenchiError('CONFIG_ADAPTER', 'endpoint: a path like /kenchi')
  return {
    endpoint,
    serveClient: options.serveClient ?? true,
    clientDir: options.clientDir,
    origin: options.origin,
    warn: refusalLogger(options.logger),
    limiter: options.challengeLimit === false ? undefined : new ChallengeLimiter(options.challengeLimit ?? {}),
  }
}

/** A response in framework-neutral form. */
export interface PlainResponse {
  status: number
  headers: Record<string, string>
  body: string | Buffer
}

/** One client file, ready to send. */
interface Asset {
  body: Buffer
  etag: string
  integrity: string
  type: string
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.map': 'application/json; charset=utf-8' }

/**
 * The client's built files: `.js` and `.map` files at the top of the folder, read once.
 * Names come from the folder listing, so a request can never reach another path.
 */
export class ClientAssets {
  readonly #files = new Map<string, Asset>()
  constructor(dir?: string) {
    const folder = dir ?? defaultClientDir()
    for (const name of readdirSync(folder)) {
      const ext = name.slice(name.lastIndexOf('.'))
      if (!(ext in TYPES)) continue
      const body = readFileSync(join(folder, name))
      const digest = createHash('sha384').update(body).digest('base64')
      this.#files.set(name, { body, etag: `"${digest.slice(0, 27)}"`, integrity: `sha384-${digest}`, type: TYPES[ext]! })
    }
  }

  /** Subresource-integrity hash of a file, for `<script integrity>`. */
  integrity(name: string): string | undefined {
    return this.#files.get(name)?.integrity
  }

  /** A short content hash for cache-busting URLs. */
  version(name: string): string | undefined {
    return this.#files.get(name)?.etag.slice(1, 11).replace(/[+/]/g, '_')
  }

  /** The response for `GET <endpoint>/<name>?v=...`, or `undefined` if no such file. */
  respond(name: string, ifNoneMatch: string | undefined, version: string | undefined): PlainResponse | undefined {
    const file = this.#files.get(name)
    if (!file) return undefined
    // A URL carrying the current version can be cached for good; a bare URL is revalidated hourly.
    const cacheControl =
      version !== undefined && version === this.version(name)
        ? 'public, max-age=31536000, immutable'
        : 'public, max-age=3600, must-revalidate'
    const headers = { 'cache-control': cacheControl, etag: file.etag, 'x-content-type-options': 'nosniff' }
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === file.etag)) {
      return { status: 304, headers, body: '' }
    }
    return { status: 200, headers: { ...headers, 'content-type': file.type }, body: file.body }
  }
}

function defaultClientDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@kenchi/client/package.json')), 'dist')
  } catch (error) {
    throw new KenchiError('CONFIG_ADAPTER', 'serveClient: @kenchi/client is not installed; install it or pass clientDir', { cause: error })
  }
}

const CHALLENGE_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }

/**
 * Handles `POST <endpoint>/challenge` with a parsed body `{ action }`, from client address
 * `ip` (counted against `challengeLimit`; 429 with `Retry-After` past it).
 */
export async function challengeResponse(
  verifier: Verifier,
  body: unknown,
  originHeader: string | undefined,
  options: ResolvedOptions,
  ip?: string,
): Promise<PlainResponse> {
  const action = typeof body === 'object' && body !== null ? (body as { action?: unknown }).action : undefined
  const origin = originHeader ?? options.origin
  if (typeof action !== 'string' || origin === undefined) {
    const code = origin === undefined ? 'ORIGIN_MISSING' : 'BODY_INVALID'
    options.warn(code, origin, action)
    return { status: 400, headers: CHALLENGE_HEADERS, body: JSON.stringify({ error: code }) }
  }
  const allowed = options.limiter?.take(ip) ?? { ok: true }
  if (!allowed.ok) {
    return {
      status: 429,
      headers: { ...CHALLENGE_HEADERS, 'retry-after': String(allowed.retryAfter) },
      body: JSON.stringify({ error: 'rate_limited', retryAfter: allowed.retryAfter }),
    }
  }
  try {
    return { status: 200, headers: CHALLENGE_HEADERS, body: JSON.stringify(await verifier.challenge({ action, origin })) }
  } catch (error) {
    const code = error instanceof KenchiError ? error.code : 'internal_error'
    if (code === 'CHALLENGE_ORIGIN' || code === 'CHALLENGE_ACTION') options.warn(code, origin, action)
    const status = code === 'CHALLENGE_ORIGIN' ? 403 : code === 'CHALLENGE_ACTION' ? 400 : 500
    return { status, headers: CHALLENGE_HEADERS, body: JSON.stringify({ error: code }) }
  }
}

/** Largest challenge request body read, in bytes. */
export const MAX_CHALLENGE_BODY = 1024

/** The name of the form field and the header that carry the token. */
export const TOKEN_FIELD = 'kenchi-token'
export const TOKEN_HEADER = 'x-kenchi-token'

/** Finds the token in a parsed body (`kenchi-token` or `kenchiToken`) or the `x-kenchi-token` header. */
export function tokenFrom(body: unknown, header: string | string[] | undefined): unknown {
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>
    const value = record[TOKEN_FIELD] ?? record.kenchiToken
    if (value !== undefined) return Array.isArray(value) ? value[0] : value
  }
  return Array.isArray(header) ? header[0] : header
}

/** Context fields an app adds per request (the adapter fills action, IP, headers). */
export type ExtraContext = Omit<VerifyContext, 'action'>

/** The part of a Node request stream {@link readSmallJson} uses (`http.IncomingMessage` has it). */
export interface BodyStream {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown
  on(event: 'end' | 'error', listener: (error?: unknown) => void): unknown
  removeAllListeners(event: 'data' | 'end' | 'error'): unknown
  resume(): unknown
}

/**
 * Reads the JSON body of a challenge request from a Node stream, bounded: past
 * `MAX_CHALLENGE_BODY` bytes it stops collecting and answers `undefined` at once, leaving
 * the rest to be discarded (not destroying the stream, so the answer still reaches the client).
 */
export function readSmallJson(stream: BodyStream): Promise<unknown> {
  return new Promise((resolve) => {
    let size = 0
    const chunks: Buffer[] = []
    const finish = (value: unknown) => {
      stream.removeAllListeners('data')
      stream.removeAllListeners('end')
      stream.removeAllListeners('error')
      stream.on('error', () => {})
      resolve(value)
    }
    stream.on('data', (chunk) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += buffer.length
      if (size > MAX_CHALLENGE_BODY) {
        finish(undefined)
        stream.resume()
        return
      }
      chunks.push(buffer)
    })
    stream.on('end', () => {
      try {
        finish(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        finish(undefined)
      }
    })
    stream.on('error', () => finish(undefined))
  })
}

/** The `<script>` tag for the client, with a versioned URL and its integrity hash. */
export function scriptTagFor(assets: ClientAssets, options: ResolvedOptions, file = 'kenchi.min.js'): string {
  const integrity = assets.integrity(file)
  if (!integrity) throw new KenchiError('CONFIG_ADAPTER', `scriptTag: no ${file} in the client folder`)
  const src = `${options.endpoint}/${file}?v=${assets.version(file)}`
  return `<script src="${src}" integrity="${integrity}" data-endpoint="${options.endpoint}" async></script>`
}

/** What every adapter starts from: its resolved options, the client files (read once, eagerly when served) and the script tag. */
export function adapterBase(options: AdapterOptions = {}): {
  resolved: ResolvedOptions
  clientAssets: () => ClientAssets
  scriptTag: (file?: string) => string
} {
  const resolved = resolveOptions(options)
  let assets: ClientAssets | undefined
  const clientAssets = () => (assets ??= new ClientAssets(resolved.clientDir))
  if (resolved.serveClient) clientAssets() // fail at start-up, not on the first request
  return { resolved, clientAssets, scriptTag: (file) => scriptTagFor(clientAssets(), resolved, file) }
}

export type { Verdict }

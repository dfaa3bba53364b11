// The standalone verification service: `createService(config)` (and `kenchi-server serve`).
// One HTTP server for several sites, each with its own keys, origins, policy, store and API
// secrets: the public challenge endpoint and client files for the browser, and the
// server-to-server JSON API (`/v1/verify`, `/v1/outcome`, `/v1/label`, `/v1/stepup/*` — e-mail
// codes, authenticator-app codes and passkeys — and `/v1/confirm/*`) for
// shop back ends in any language. See docs/service.md and docs/openapi.json.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { challengeResponse, ClientAssets, resolveOptions, type PlainResponse, type ResolvedOptions } from '../adapters/core.js'
import { KenchiError, SERVICE_ERRORS } from '../errors.js'
import { emailSender, type CodeSender } from '../stepup/sender.js'
import { createStepUp, type StepUp, type StepUpFailure } from '../stepup/stepup.js'
import { createConfirmations, type Confirmations } from '../stepup/confirm.js'
import { eraseUser, exportUser } from '../privacy.js'
import { memoryStore } from '../stores/memory.js'
import { postgresStore } from '../stores/postgres.js'
import { redisStore } from '../stores/redis.js'
import { splitStore, type SplitStore } from '../stores/split.js'
import { sqliteStore } from '../stores/sqlite.js'
import { READINESS_KEY } from '../store-keys/service.js'
import type { Store } from '../stores/types.js'
import { withTimeout } from '../validate.js'
import { createVerifier, OUTCOMES, type Verifier } from '../verifier.js'
import { ApiAuth, bearer, type Caller } from './auth.js'
import { isResolvedConfig, resolveConfig, type ResolvedSite } from './config.js'
import { createLogger, silentLogger, type Logger } from './logging.js'
import { createServiceMetrics, type ServiceMetrics } from './metrics.js'

export { resolveConfig, loadConfigFile, hashApiSecret } from './config.js'
export type { ServiceConfig, SiteConfig, SecretRef, StoreConfig, ResolvedConfig, ResolvedSite } from './config.js'
export type { Logger, LogLevel } from './logging.js'
export type { ServiceMetrics, MetricCounter, MetricHistogram } from './metrics.js'
export { mountConfiguredConsole } from './console.js'

/** A Node request handler, e.g. a console mounted under `/console`. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

export interface ServiceOptions {
  /** The configuration: a parsed `kenchi.config.json` (validated here) or the result of `loadConfigFile()`. */
  config: unknown
  /** Environment for `{ "env": "NAME" }` secrets. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /**
   * Where logs go. Default: pino (optional peer dependency) writing JSON lines to standard
   * output at the configured `logLevel`; `false` is silent. Given or `false`, pino is not loaded.
   */
  logger?: Logger | false
  /**
   * Extra Node handlers by path prefix, e.g. `{ '/console': consoleHandler }`: a request whose
   * path is the prefix or starts with `prefix/` goes to the handler, with `req.url` unchanged.
   */
  mounts?: Record<string, NodeHandler>
  /** Code senders by site id, for step-up and confirmations, overriding the site's `smtp` (for embedding, SMS gateways, tests). */
  stepUpSenders?: Record<string, CodeSender>
  /** Folder with the browser client's built files. Default: `dist/` of the installed `@kenchi/client`; `false` serves none. */
  clientDir?: string | false
}

/** One site as the service runs it. */
export interface ServiceSite {
  id: string
  verifier: Verifier
  store: Store
  /** Present when the site has `stepUp` configured (`start`/`check` need a sender: `smtp` or `stepUpSenders`). */
  stepUp?: StepUp
  /** Present when the site has `confirm` configured (and a sender). */
  confirmations?: Confirmations
}

export interface Service {
  /** The request handler (for `http.createServer` or a framework). */
  handler: (req: IncomingMessage, res: ServerResponse) => void
  /** Starts listening on the configured address (or `port` / `host` given here); resolves the base URL. */
  listen(override?: { port?: number; host?: string }): Promise<{ url: string; port: number; server: Server }>
  /** The running sites by id. */
  readonly sites: ReadonlyMap<string, ServiceSite>
  /**
   * Mounts a Node handler under a path prefix after start (as `mounts` does at creation),
   * e.g. a console made from `sites`. A later mount of the same prefix replaces it.
   */
  mount(prefix: string, handler: NodeHandler): void
  /** The metrics (`GET /metrics` renders them), kept in a prom-client registry of the service's own. */
  readonly metrics: ServiceMetrics
  /**
   * Graceful shutdown: stops accepting requests, waits for those in flight, flushes every
   * verifier's write-behind queue and the step-up deliveries (up to `shutdownTimeoutMs`),
   * then closes the stores (a split store first writes the events it holds, up to 5 s).
   * Resolves how many writes were still pending (0 when drained), a split store's included.
   */
  close(): Promise<number>
}

/** A code the JSON API answers with (`{ "error": code, "message": ... }`); see `SERVICE_ERRORS` in errors.ts for statuses and meanings. */
export type ServiceErrorCode = keyof typeof SERVICE_ERRORS
/** Error codes the JSON API answers with, derived from `SERVICE_ERRORS`. */
export const SERVICE_ERROR_CODES = Object.keys(SERVICE_ERRORS) as readonly ServiceErrorCode[]

function unrefTimer(fn: (value?: unknown) => void, ms: number): void {
  const timer = setTimeout(fn, ms) as unknown as { unref?: () => void }
  timer.unref?.()
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message)
  }
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
const MAX = { string: 512, headers: 50, fields: 50 }

/** Opens a site's store as its configuration says (type, path or URL, retention); the `privacy` CLI command uses it too. */
export async function openStore(site: ResolvedSite): Promise<Store> {
  return openConfiguredStore(site.store, { eventRetentionMs: site.retention.eventMs, deviceRetentionMs: site.retention.deviceMs })
}

async function openConfiguredStore(
  config: ResolvedSite['store'],
  retention: { eventRetentionMs: number; deviceRetentionMs: number },
): Promise<Store> {
  if (config.type === 'sqlite') return sqliteStore({ path: config.path, ...retention })
  if (config.type === 'redis') return redisStore({ url: config.url, prefix: config.prefix, ...retention })
  if (config.type === 'postgres') return postgresStore({ connectionString: config.url, tablePrefix: config.tablePrefix, ...retention })
  if (config.type === 'split') {
    const hot = await openConfiguredStore(config.hot, retention)
    try {
      return splitStore({ hot, history: await openConfiguredStore(config.history, retention) })
    } catch (error) {
      await hot.close().catch(() => {})
      throw error
    }
  }
  return memoryStore(retention)
}

/** The sender of a site without one: never called, since `/v1/stepup/start` refuses first. */
const noSender: CodeSender = {
  channel: 'none',
  send: async () => {
    throw new KenchiError('CONFIG_STEP_UP', 'this site has no sender for e-mail codes')
  },
}

/**
 * Creates the service: validates the configuration (throws `KenchiError` `CONFIG_SERVICE`
 * naming the field), opens each site's store and verifier. Call `listen()` to serve.
 */
export async function createService(options: ServiceOptions): Promise<Service> {
  const config = isResolvedConfig(options.config) ? options.config : resolveConfig(options.config, options.env ?? process.env)
  // prom-client and pino (optional peers) are loaded here, before any store opens; pino only when no logger is given.
  const [loadedMetrics, loadedLog] = await Promise.allSettled([
    createServiceMetrics(),
    options.logger === false ? silentLogger : (options.logger ?? createLogger(config.logLevel)),
  ])
  if (loadedMetrics.status === 'rejected' || loadedLog.status === 'rejected') {
    const missing = (r: PromiseSettledResult<unknown>) =>
      r.status === 'rejected' && r.reason instanceof KenchiError && r.reason.code === 'CONFIG_SERVICE'
    if (missing(loadedMetrics) && missing(loadedLog)) {
      throw new KenchiError(
        'CONFIG_SERVICE',
        'the verification service needs the optional peer dependencies prom-client (metrics) and pino (logs): npm install prom-client pino',
      )
    }
    throw (loadedMetrics.status === 'rejected' ? loadedMetrics : (loadedLog as PromiseRejectedResult)).reason
  }
  const metrics = loadedMetrics.value
  const log = loadedLog.value
  const auth = new ApiAuth(config.sites)
  const sites = new Map<string, ServiceSite & { challenge: ResolvedOptions; origins: Set<string>; emailCodes: boolean }>()
  const assets = options.clientDir === false ? undefined : new ClientAssets(options.clientDir)
  try {
    for (const site of config.sites) {
      const store = await openStore(site)
      const verifier = await createVerifier({
        keys: site.keys,
        origins: site.origins,
        hashSecret: site.hashSecret,
        store,
        ...(site.policy ? { policy: site.policy as never } : {}),
        ...(site.testMode !== undefined ? { testMode: site.testMode as never } : {}),
        onAlert: (alert) => log.warn('alert', { site: site.id, kind: alert.kind, code: alert.code }),
      })
      const sender =
        options.stepUpSenders?.[site.id] ??
        (site.stepUp?.smtp ? emailSender({ transport: site.stepUp.smtp, from: site.stepUp.from! }) : undefined)
      // Without a sender (no smtp, no stepUpSenders entry) e-mail codes are off, but authenticator-app codes and passkeys, which send nothing, work.
      const stepUp = site.stepUp
        ? createStepUp({
            verifier,
            secret: site.stepUp.secret,
            sender: sender ?? noSender,
            ...(site.stepUp.passkey ? { passkey: { rpId: site.stepUp.passkey.rpId, origins: site.stepUp.passkey.origins } } : {}),
          })
        : undefined
      const confirmSender =
        options.stepUpSenders?.[site.id] ??
        (site.confirm?.smtp ? emailSender({ transport: site.confirm.smtp, from: site.confirm.from! }) : undefined)
      const confirmations =
        site.confirm && confirmSender
          ? createConfirmations({
              store,
              secret: site.confirm.secret,
              sender: confirmSender,
              linkUrl: site.confirm.linkUrl,
              ...(site.confirm.purposes ? { purposes: site.confirm.purposes } : {}),
            })
          : undefined
      const challenge = resolveOptions({
        serveClient: false,
        logger: (message, detail) => log.info('challenge refused', { site: site.id, code: detail.code }),
      })
      sites.set(site.id, {
        id: site.id,
        verifier,
        store,
        ...(stepUp ? { stepUp } : {}),
        emailCodes: sender !== undefined,
        ...(confirmations ? { confirmations } : {}),
        challenge,
        origins: new Set(site.origins),
      })
    }
  } catch (error) {
    for (const s of sites.values()) {
      s.verifier.close()
      await s.store.close().catch(() => {})
    }
    throw error
  }

  metrics.gauge('kenchi_attack_mode', '1 while attack mode is on, by site.', ['site'], () =>
    [...sites.values()].map((s) => [{ site: s.id }, s.verifier.attack.active ? 1 : 0]),
  )
  const pendingWrites = new Map<string, number>()
  metrics.gauge(
    'kenchi_write_queue_depth',
    'Writes waiting in the write-behind queue for the store (read at scrape time), by site.',
    ['site'],
    () => [...sites.values()].map((s) => [{ site: s.id }, pendingWrites.get(s.id) ?? 0]),
  )
  metrics.gauge(
    'kenchi_history_queue_depth',
    'Events a split store holds for its history database (read at scrape time), by site.',
    ['site'],
    () =>
      [...sites.values()].flatMap((s): Array<[{ site: string }, number]> =>
        typeof (s.store as Partial<SplitStore>).pending === 'number' ? [[{ site: s.id }, (s.store as SplitStore).pending]] : [],
      ),
  )

  // Attack mode also steps down while no requests come (verify() re-reads the counts on each request).
  const attackTimer = setInterval(() => {
    for (const s of sites.values()) void s.verifier.checkAttack()
  }, 10_000) as unknown as { unref?: () => void }
  attackTimer.unref?.()

  let closing = false
  let inFlight = 0
  let drained: (() => void) | undefined
  const mounts: Array<readonly [string, NodeHandler]> = Object.entries(options.mounts ?? {}).map(
    ([prefix, handler]) => [prefix.replace(/\/+$/, ''), handler] as const,
  )
  const mount = (prefix: string, handler: NodeHandler) => {
    const clean = prefix.replace(/\/+$/, '')
    if (!/^\/[^?#]*$/.test(clean)) throw new KenchiError('CONFIG_SERVICE', `mount: ${prefix} is not a path like /console`)
    const at = mounts.findIndex(([p]) => p === clean)
    if (at >= 0) mounts.splice(at, 1)
    mounts.push([clean, handler] as const)
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body)
    res.writeHead(status, { ...JSON_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(text)) })
    res.end(text)
  }

  function sendPlain(res: ServerResponse, plain: PlainResponse, extra: Record<string, string> = {}): void {
    res.writeHead(plain.status, { ...plain.headers, ...extra })
    res.end(plain.body)
  }

  async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) throw new ApiError(413, 'body_too_large', `the body is larger than ${limit} bytes`)
    // Plain 'data' events rather than for-await: measurably less overhead per request.
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > limit) {
          req.removeAllListeners('data')
          req.resume()
          reject(new ApiError(413, 'body_too_large', `the body is larger than ${limit} bytes`))
        } else chunks.push(chunk)
      })
      req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')))
      req.once('error', reject)
      // a client that goes away mid-body must not leave the request (and shutdown) waiting
      req.once('close', () => {
        if (!req.complete) reject(new ApiError(400, 'invalid_json', 'the request was aborted before its body ended'))
      })
    })
    try {
      return JSON.parse(text)
    } catch {
      throw new ApiError(400, 'invalid_json', 'the body is not valid JSON')
    }
  }

  const str = (value: unknown, field: string, required: boolean, max = MAX.string): string | undefined => {
    if (value === undefined || value === null) {
      if (required) throw new ApiError(400, 'invalid_request', `${field}: is required`)
      return undefined
    }
    if (typeof value !== 'string' || value.length > max)
      throw new ApiError(400, 'invalid_request', `${field}: must be a string of at most ${max} characters`)
    if (required && value.length === 0) throw new ApiError(400, 'invalid_request', `${field}: must not be empty`)
    return value
  }

  function objectBody(body: unknown): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ApiError(400, 'invalid_request', 'the body must be a JSON object')
    return body as Record<string, unknown>
  }

  function identity(b: Record<string, unknown>): { loginId: string; userId?: string } | { userId: string; loginId?: string } {
    const loginId = str(b.loginId, 'loginId', false)
    const userId = str(b.userId, 'userId', false)
    if (loginId) return { loginId, ...(userId ? { userId } : {}) }
    if (userId) return { userId }
    throw new ApiError(400, 'invalid_request', 'loginId or userId: one is required')
  }

  function readContext(value: unknown): Parameters<Verifier['verify']>[1] {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ApiError(400, 'invalid_request', 'context: must be an object with at least "action"')
    const c = value as Record<string, unknown>
    const allowed = ['action', 'ip', 'userAgent', 'origin', 'headers', 'userId', 'loginId', 'email', 'fields']
    for (const k of Object.keys(c)) if (!allowed.includes(k)) throw new ApiError(400, 'invalid_request', `context.${k}: unknown field`)
    const ctx: Record<string, unknown> = { action: str(c.action, 'context.action', true, 32) }
    for (const k of ['ip', 'userAgent', 'origin', 'userId', 'loginId', 'email'] as const) {
      const v = str(c[k], `context.${k}`, false)
      if (v !== undefined) ctx[k] = v
    }
    if (c.headers !== undefined) {
      if (typeof c.headers !== 'object' || c.headers === null || Array.isArray(c.headers) || Object.keys(c.headers).length > MAX.headers) {
        throw new ApiError(400, 'invalid_request', `context.headers: must be an object of at most ${MAX.headers} string values`)
      }
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(c.headers)) headers[k.toLowerCase()] = str(v, `context.headers.${k}`, true, 4096)!
      ctx.headers = headers
    }
    if (c.fields !== undefined) {
      if (typeof c.fields !== 'object' || c.fields === null || Array.isArray(c.fields) || Object.keys(c.fields).length > MAX.fields) {
        throw new ApiError(400, 'invalid_request', `context.fields: must be an object of at most ${MAX.fields} entries`)
      }
      ctx.fields = c.fields
    }
    return ctx as unknown as Parameters<Verifier['verify']>[1]
  }

  /** `credentials` of `/v1/stepup/passkey/options`: the account's passkey ids (base64url) and transports; `[]` for an unknown account. */
  function passkeyList(value: unknown): Array<{ id: string; transports?: string[] }> {
    if (!Array.isArray(value) || value.length > 100)
      throw new ApiError(
        400,
        'invalid_request',
        'credentials: must be an array of at most 100 { "id", "transports" } ([] for an unknown account)',
      )
    return value.map((c, i) => {
      if (typeof c !== 'object' || c === null || Array.isArray(c))
        throw new ApiError(400, 'invalid_request', `credentials[${i}]: must be an object { "id", "transports" }`)
      const o = c as Record<string, unknown>
      for (const k of Object.keys(o))
        if (k !== 'id' && k !== 'transports') throw new ApiError(400, 'invalid_request', `credentials[${i}].${k}: unknown field`)
      const id = str(o.id, `credentials[${i}].id`, true, 1024)!
      if (!/^[\w-]+$/.test(id)) throw new ApiError(400, 'invalid_request', `credentials[${i}].id: must be base64url`)
      if (o.transports === undefined) return { id }
      if (!Array.isArray(o.transports) || o.transports.length > 8 || o.transports.some((t) => typeof t !== 'string' || t.length > 32)) {
        throw new ApiError(400, 'invalid_request', `credentials[${i}].transports: must be an array of at most 8 short strings`)
      }
      return { id, transports: o.transports as string[] }
    })
  }

  /** `credential` of `/v1/stepup/passkey/check`: the stored passkey `{ id, publicKey (base64url), counter }`, or null for an unknown account. */
  function storedPasskey(value: unknown): { id: string; publicKey: Uint8Array; counter: number; transports?: string[] } | undefined {
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'object' || Array.isArray(value))
      throw new ApiError(400, 'invalid_request', 'credential: must be an object { "id", "publicKey", "counter" } or null')
    const c = value as Record<string, unknown>
    for (const k of Object.keys(c))
      if (!['id', 'publicKey', 'counter', 'transports'].includes(k))
        throw new ApiError(400, 'invalid_request', `credential.${k}: unknown field`)
    const id = str(c.id, 'credential.id', true, 1024)!
    if (!/^[\w-]+$/.test(id)) throw new ApiError(400, 'invalid_request', 'credential.id: must be base64url')
    const publicKey = str(c.publicKey, 'credential.publicKey', true, 2048)!
    if (!/^[\w-]+$/.test(publicKey))
      throw new ApiError(400, 'invalid_request', 'credential.publicKey: must be the stored public key, base64url')
    if (typeof c.counter !== 'number' || !Number.isInteger(c.counter) || c.counter < 0 || c.counter > 0xffffffff)
      throw new ApiError(400, 'invalid_request', 'credential.counter: must be an integer from 0 to 4294967295')
    let transports: string[] | undefined
    if (c.transports !== undefined) {
      if (!Array.isArray(c.transports) || c.transports.length > 8 || c.transports.some((t) => typeof t !== 'string' || t.length > 32))
        throw new ApiError(400, 'invalid_request', 'credential.transports: must be an array of at most 8 short strings')
      transports = c.transports as string[]
    }
    return { id, publicKey: new Uint8Array(Buffer.from(publicKey, 'base64url')), counter: c.counter, ...(transports ? { transports } : {}) }
  }

  function reportError(error: unknown): never {
    const code = error instanceof KenchiError ? error.code : undefined
    if (code === 'EVENT_UNKNOWN') throw new ApiError(404, 'event_unknown', 'no event with this id for this site')
    if (code === 'INPUT_INVALID') throw new ApiError(400, 'invalid_request', (error as Error).message)
    if (code === 'STORE_UNAVAILABLE') throw new ApiError(503, 'store_unavailable', 'the store is unavailable and the retry queue is full')
    throw error
  }

  async function api(route: string, req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'use POST')
    const type = req.headers['content-type'] ?? ''
    if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError(415, 'unsupported_media_type', 'send Content-Type: application/json')
    const body = objectBody(await readBody(req, config.bodyLimit))
    const caller: Caller | undefined = auth.identify(bearer(req.headers.authorization) ?? body.secret)
    if (!caller) throw new ApiError(401, 'unauthorized', 'missing or wrong API secret')
    const site = sites.get(caller.site)!
    if (route === '/v1/verify') {
      for (const k of Object.keys(body))
        if (!['token', 'context', 'secret'].includes(k)) throw new ApiError(400, 'invalid_request', `${k}: unknown field`)
      const context = readContext(body.context)
      const token = body.token === undefined || body.token === null ? undefined : body.token
      if (token !== undefined && typeof token !== 'string') throw new ApiError(400, 'invalid_request', 'token: must be a string')
      const verdict = await site.verifier.verify(token, context)
      metrics.verdicts.inc({ site: site.id, decision: verdict.decision })
      for (const r of verdict.reasons) metrics.reasons.inc({ site: site.id, decision: verdict.decision, reason: r.code })
      if (verdict.reasons.some((r) => r.code === 'STORE_UNAVAILABLE' || r.code === 'INTERNAL_ERROR'))
        metrics.storeErrors.inc({ site: site.id })
      log.info('verdict', {
        site: site.id,
        secretId: caller.secretId,
        action: context.action,
        eventId: verdict.eventId,
        decision: verdict.decision,
        score: verdict.score,
        reasons: verdict.reasons.map((r) => r.code),
      })
      send(res, 200, { success: verdict.decision === 'allow', site: site.id, ...verdict })
      return site.id
    }
    if (route === '/v1/outcome' || route === '/v1/label') {
      const eventId = str(body.eventId, 'eventId', true, 64)!
      let status
      try {
        if (route === '/v1/outcome') {
          const outcome = str(body.outcome, 'outcome', true, 64)!
          if (!(OUTCOMES as readonly string[]).includes(outcome))
            throw new ApiError(400, 'invalid_request', `outcome: must be one of ${OUTCOMES.join(', ')}`)
          // A replayed or retried report of the same outcome for the same event is refused, not counted twice.
          const event = await site.store.getEvent(eventId).catch(() => undefined)
          if (event?.outcomes?.some((o) => o.outcome === outcome))
            throw new ApiError(409, 'duplicate_report', `${outcome} was already reported for this event`)
          status = await site.verifier.reportOutcome(eventId, outcome as never)
        } else {
          const label = str(body.label, 'label', true, 16)!
          if (label !== 'fraud' && label !== 'legit') throw new ApiError(400, 'invalid_request', 'label: must be fraud or legit')
          const comment = str(body.comment, 'comment', false, 500)
          status = await site.verifier.label(eventId, label, comment !== undefined ? { comment } : {})
        }
      } catch (error) {
        if (error instanceof ApiError) throw error
        reportError(error)
      }
      if (status === 'queued') metrics.storeErrors.inc({ site: site.id })
      send(res, 200, { ok: true, status })
      return site.id
    }
    if (route === '/v1/privacy/export' || route === '/v1/privacy/erase') {
      const erase = route === '/v1/privacy/erase'
      for (const k of Object.keys(body))
        if (!['secret', 'loginId', 'userId', 'userHash', ...(erase ? ['keepFraud'] : [])].includes(k))
          throw new ApiError(400, 'invalid_request', `${k}: unknown field`)
      const subject = {
        loginId: str(body.loginId, 'loginId', false, 256),
        userId: str(body.userId, 'userId', false, 256),
        userHash: str(body.userHash, 'userHash', false, 64),
      }
      if (body.keepFraud !== undefined && typeof body.keepFraud !== 'boolean')
        throw new ApiError(400, 'invalid_request', 'keepFraud: must be true or false')
      let result
      try {
        const options = { verifier: site.verifier }
        const who = Object.fromEntries(Object.entries(subject).filter(([, v]) => v !== undefined))
        result = erase
          ? await eraseUser(site.store, who, { ...options, keepFraud: body.keepFraud !== false })
          : await exportUser(site.store, who, options)
      } catch (error) {
        if (error instanceof KenchiError && error.code === 'PRIVACY_SUBJECT') throw new ApiError(400, 'invalid_request', error.message)
        metrics.storeErrors.inc({ site: site.id })
        throw new ApiError(503, 'store_unavailable', 'the store is unavailable; nothing is lost by asking again')
      }
      // Counts only: the log never holds who was asked about.
      if ('minimizedEvents' in result)
        log.info('privacy erasure', {
          site: site.id,
          secretId: caller.secretId,
          events: result.events,
          minimizedEvents: result.minimizedEvents,
          links: result.links,
          devices: result.devices,
        })
      else
        log.info('privacy export', {
          site: site.id,
          secretId: caller.secretId,
          events: result.events.length,
          devices: result.devices.length,
        })
      send(res, 200, result)
      return site.id
    }
    if (route === '/v1/stepup/start' || route === '/v1/stepup/check') {
      if (!site.stepUp) throw new ApiError(404, 'stepup_not_configured', 'this site has no stepUp configured')
      if (!site.emailCodes) throw new ApiError(404, 'stepup_not_configured', 'this site has no stepUp.smtp (or sender) for e-mail codes')
      const eventId = str(body.eventId, 'eventId', true, 64)!
      const who = identity(body)
      const ip = str(body.ip, 'ip', false, 64)
      const result =
        route === '/v1/stepup/start'
          ? await site.stepUp.start({ ...who, eventId, to: str(body.to, 'to', true, 320), ...(ip ? { ip } : {}) })
          : await site.stepUp.check({
              ...who,
              eventId,
              code: str(body.code, 'code', true, 16)!,
              ...(ip ? { ip } : {}),
              ...(typeof body.deviceId === 'string' ? { deviceId: str(body.deviceId, 'deviceId', false, 64)! } : {}),
            })
      log.info(route === '/v1/stepup/start' ? 'step-up started' : 'step-up checked', {
        site: site.id,
        eventId,
        ok: result.ok,
        ...(result.ok ? {} : { code: result.code }),
      })
      send(res, 200, result)
      return site.id
    }
    if (route === '/v1/stepup/totp' || route === '/v1/stepup/passkey/options' || route === '/v1/stepup/passkey/check') {
      if (!site.stepUp) throw new ApiError(404, 'stepup_not_configured', 'this site has no stepUp configured')
      const allowed = [
        'secret',
        'eventId',
        'loginId',
        'userId',
        'ip',
        'deviceId',
        ...(route === '/v1/stepup/totp'
          ? ['code', 'totpSecret']
          : route === '/v1/stepup/passkey/options'
            ? ['credentials']
            : ['response', 'credential']),
      ]
      for (const k of Object.keys(body)) if (!allowed.includes(k)) throw new ApiError(400, 'invalid_request', `${k}: unknown field`)
      const eventId = str(body.eventId, 'eventId', true, 64)!
      const who = identity(body)
      const ip = str(body.ip, 'ip', false, 64)
      const deviceId = str(body.deviceId, 'deviceId', false, 64)
      const extra = { ...(ip ? { ip } : {}), ...(deviceId ? { deviceId } : {}) }
      let result: { ok: true } | StepUpFailure
      try {
        if (route === '/v1/stepup/totp') {
          // The shop's stored secret for the account; absent or null for an unknown account (or none enrolled): the answer is a wrong code's.
          const totpSecret = str(body.totpSecret, 'totpSecret', false, 128)
          if (totpSecret !== undefined && !/^[A-Za-z2-7=\s]{16,128}$/.test(totpSecret))
            throw new ApiError(400, 'invalid_request', 'totpSecret: must be the base32 secret (at least 16 characters)')
          result = await site.stepUp.checkTotp({ ...who, eventId, code: str(body.code, 'code', true, 16)!, secret: totpSecret, ...extra })
        } else if (route === '/v1/stepup/passkey/options') {
          const credentials = passkeyList(body.credentials)
          result = await site.stepUp.passkeyOptions({ ...who, eventId, credentials, ...(ip ? { ip } : {}) })
        } else {
          if (typeof body.response !== 'object' || body.response === null || Array.isArray(body.response)) {
            throw new ApiError(400, 'invalid_request', 'response: must be the object from credential.toJSON() in the browser')
          }
          result = await site.stepUp.checkPasskey({
            ...who,
            eventId,
            response: body.response,
            credential: storedPasskey(body.credential),
            ...extra,
          })
        }
      } catch (error) {
        if (error instanceof ApiError) throw error
        const code = error instanceof KenchiError ? error.code : undefined
        if (code === 'CONFIG_STEP_UP') throw new ApiError(404, 'passkey_not_configured', (error as Error).message)
        if (code === 'STORE_UNAVAILABLE') throw new ApiError(503, 'store_unavailable', 'the store is unavailable')
        throw error
      }
      log.info('step-up checked', { site: site.id, eventId, route, ok: result.ok, ...(result.ok ? {} : { code: result.code }) })
      send(res, 200, result)
      return site.id
    }
    if (route === '/v1/confirm/send' || route === '/v1/confirm/link' || route === '/v1/confirm/code') {
      if (!site.confirmations) throw new ApiError(404, 'confirm_not_configured', 'this site has no confirm configured')
      let result
      if (route === '/v1/confirm/send') {
        const ip = str(body.ip, 'ip', false, 64)
        result = await site.confirmations.send({
          purpose: str(body.purpose, 'purpose', true, 32)!,
          ref: str(body.ref, 'ref', true, 128)!,
          to: str(body.to, 'to', true, 320)!,
          ...(ip ? { ip } : {}),
        })
      } else if (route === '/v1/confirm/link') {
        const purpose = str(body.purpose, 'purpose', false, 32)
        result = await site.confirmations.confirmLink(str(body.token, 'token', true, 2048), purpose ? { purpose } : {})
      } else {
        result = await site.confirmations.confirmCode({
          purpose: str(body.purpose, 'purpose', true, 32)!,
          ref: str(body.ref, 'ref', true, 128)!,
          code: str(body.code, 'code', true, 16)!,
        })
      }
      log.info('confirmation', { site: site.id, route, ok: result.ok, ...(result.ok ? {} : { code: result.code }) })
      send(res, 200, result)
      return site.id
    }
    throw new ApiError(404, 'not_found', 'no such endpoint')
  }

  async function readiness(): Promise<{ ready: boolean; sites: Record<string, boolean> }> {
    const out: Record<string, boolean> = {}
    await Promise.all(
      [...sites.values()].map(async (s) => {
        try {
          await withTimeout(
            () => s.store.getValue(READINESS_KEY),
            1000,
            () => new Error('timeout'),
            { unref: true },
          )
          out[s.id] = true
        } catch {
          out[s.id] = false
          metrics.storeErrors.inc({ site: s.id })
        }
      }),
    )
    return { ready: !closing && Object.values(out).every(Boolean), sites: out }
  }

  function clientIp(req: IncomingMessage): string | undefined {
    if (config.trustProxy) {
      const forwarded = req.headers['x-forwarded-for']
      // The last entry is the one your own proxy appended; earlier ones are whatever the client sent.
      const last = (Array.isArray(forwarded) ? forwarded.at(-1) : forwarded)?.split(',').at(-1)?.trim()
      if (last) return last
    }
    return req.socket.remoteAddress
  }

  async function publicRoute(path: string, req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    const match = /^\/s\/([a-z0-9][a-z0-9_-]{0,31})\/([A-Za-z0-9._-]+)$/.exec(path)
    const site = match ? sites.get(match[1]!) : undefined
    if (!match || !site) throw new ApiError(404, 'not_found', 'no such site or file')
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined
    const cors: Record<string, string> =
      origin !== undefined && site.origins.has(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' }
    if (match[2] === 'challenge') {
      if (req.method === 'OPTIONS') {
        if (!cors['access-control-allow-origin'])
          throw new ApiError(403, 'origin_not_allowed', 'this origin is not configured for the site')
        res.writeHead(204, {
          ...cors,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '600',
        })
        res.end()
        return site.id
      }
      if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'use POST')
      let body: unknown
      try {
        body = await readBody(req, 1024)
      } catch (error) {
        if (error instanceof ApiError && error.code === 'invalid_json') body = undefined
        else throw error
      }
      sendPlain(res, await challengeResponse(site.verifier, body, origin, site.challenge, clientIp(req)), cors)
      return site.id
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'method_not_allowed', 'use GET')
    const url = new URL(req.url ?? '/', 'http://x')
    const file = assets?.respond(match[2]!, req.headers['if-none-match'], url.searchParams.get('v') ?? undefined)
    if (!file) throw new ApiError(404, 'not_found', 'no such file')
    sendPlain(res, file, { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' })
    return site.id
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint()
    const path = (req.url ?? '/').split('?')[0]!
    let route = path.startsWith('/s/') ? (path.endsWith('/challenge') ? '/s/{site}/challenge' : '/s/{site}/{file}') : path
    let site: string | undefined
    try {
      const mount = mounts.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))
      if (mount) {
        route = mount[0]
        await mount[1](req, res)
        return
      }
      if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return send(res, 200, { status: 'ok' })
      if (path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
        const state = await readiness()
        return send(res, state.ready ? 200 : 503, { status: state.ready ? 'ready' : 'not_ready', sites: state.sites })
      }
      if (path === '/metrics' && req.method === 'GET') {
        await Promise.all(
          [...sites.values()].map(async (s) => {
            const left = await Promise.race([s.verifier.flush(), new Promise<undefined>((r) => unrefTimer(() => r(undefined), 500))])
            if (left !== undefined) pendingWrites.set(s.id, left)
          }),
        )
        const text = await metrics.render()
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' })
        res.end(text)
        return
      }
      if (closing) throw new ApiError(503, 'shutting_down', 'the service is shutting down')
      if (path.startsWith('/s/')) site = await publicRoute(path, req, res)
      else if (path.startsWith('/v1/')) site = await api(path, req, res)
      else {
        route = 'other'
        throw new ApiError(404, 'not_found', 'no such endpoint')
      }
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError(500, 'internal_error', 'unexpected error')
      if (!(error instanceof ApiError)) log.error('request failed', { route, err: error instanceof Error ? error.message : String(error) })
      metrics.errors.inc({ route, code: e.code })
      if (!res.headersSent) send(res, e.status, { error: e.code, message: e.message }, e.status === 413 ? { connection: 'close' } : {})
      else res.end()
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      metrics.latency.observe({ route }, seconds)
      metrics.requests.inc({ route, status: String(res.statusCode) })
      log.debug('request', {
        route,
        method: req.method,
        status: res.statusCode,
        ms: Math.round(seconds * 1e4) / 10,
        ...(site ? { site } : {}),
      })
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++
    handle(req, res)
      .catch((error: unknown) => {
        // handle() answers its own errors; this is only reached when answering (or its logging and
        // metrics) threw too. Never an unhandled rejection: log it and drop the connection.
        log.error('request failed', { err: error instanceof Error ? error.message : String(error) })
        if (!res.writableEnded) res.destroy()
      })
      .finally(() => {
        if (--inFlight === 0) drained?.()
      })
  }

  let server: Server | undefined
  return {
    handler,
    sites,
    mount,
    metrics,
    async listen(override = {}) {
      server = createServer(handler)
      server.requestTimeout = 30000
      server.headersTimeout = 10000
      const port = override.port ?? config.listen.port
      const host = override.host ?? config.listen.host
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject)
        server!.listen(port, host, () => resolve())
      })
      const address = server.address() as AddressInfo
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      log.info('listening', { url, sites: [...sites.keys()] })
      return { url, port: address.port, server }
    },
    async close() {
      if (closing) return 0
      closing = true
      clearInterval(attackTimer as never)
      log.info('shutting down', { inFlight })
      const closed = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve()
      server?.closeIdleConnections()
      const deadline = Date.now() + config.shutdownTimeoutMs
      if (inFlight > 0)
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise((r) => unrefTimer(r, config.shutdownTimeoutMs)),
        ])
      let pending = 0
      for (const s of sites.values()) {
        let left = await s.verifier.flush()
        while (left > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100))
          left = await s.verifier.flush()
        }
        pendingWrites.set(s.id, left)
        pending += left
        await s.stepUp?.flush().catch(() => {})
        await s.confirmations?.flush().catch(() => {})
        s.verifier.close()
        await s.store.close().catch(() => {})
        // A split store writes its waiting events while closing; what it could not write is lost.
        const history = (s.store as Partial<SplitStore>).pending ?? 0
        if (history > 0) {
          pendingWrites.set(s.id, left + history)
          pending += history
        }
      }
      server?.closeAllConnections()
      await closed
      log.info('stopped', { pendingWrites: pending })
      return pending
    },
  }
}

// The service's configuration file: read, validated field by field (errors name the field,
// e.g. `sites[0].origins[1]: must be an https origin`), secrets resolved from files or the
// environment. See docs/service.md for the format.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { KenchiError } from '../errors.js'
import { describeBounds, inBounds } from '../validate.js'

/** A secret in the configuration: the value itself, `{ "env": "NAME" }` or `{ "file": "/run/secrets/x" }`. */
export type SecretRef = string | { env: string } | { file: string }

/** A store holding hot state in a split store: memory or Redis. */
export type HotStoreConfig = { type: 'memory' } | { type: 'redis'; url: SecretRef; prefix?: string }
/** A store holding the event history in a split store: SQLite or PostgreSQL. */
export type HistoryStoreConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: SecretRef; tablePrefix?: string }

/**
 * Where a site's data lives. Redis keys get the prefix `<prefix><site id>:`; SQLite needs
 * `{site}` in the path when several sites share it; PostgreSQL tables shared by several sites
 * get the prefix `<tablePrefix><site id>_`. `split` keeps hot state on `hot` and the event
 * history on `history` (docs/server.md "Split storage").
 */
export type StoreConfig = HotStoreConfig | HistoryStoreConfig | { type: 'split'; hot: HotStoreConfig; history: HistoryStoreConfig }

export interface SiteConfig {
  /** Site id: lower-case letters, digits, `-` and `_`, up to 32. Appears in the public paths (`/s/<id>/challenge`). */
  id: string
  /** Page origins allowed to ask for challenges (and sent CORS headers): https, or http on localhost / 127.0.0.1. */
  origins: string[]
  /** Challenge signing keys `{ id, secret }`; the first signs, all verify (rotate by prepending). */
  keys: Array<{ id: string; secret: SecretRef }>
  /** Secret (≥ 32 bytes) for the keyed hashes of user ids and e-mail addresses. */
  hashSecret: SecretRef
  /**
   * API secrets for the server-to-server calls, several at once for rotation: `{ id, sha256 }`
   * (hex SHA-256 of the secret, so the file holds no usable secret) or `{ id, secret }`
   * (hashed at start and not kept).
   */
  apiSecrets: Array<{ id: string; sha256?: string; secret?: SecretRef }>
  /** Policy patch passed to the verifier (see docs/policy.md). */
  policy?: Record<string, unknown>
  /** Test mode (docs/testing.md); refused when NODE_ENV is production. */
  testMode?: boolean | Record<string, unknown>
  /**
   * Step-up: `{ secret, smtp, from, passkey }`; without it the step-up endpoints answer 404
   * `stepup_not_configured`. `smtp`/`from` send e-mail codes; authenticator-app (TOTP) codes
   * need nothing more. `passkey: { rpId, rpName }` enables `/v1/stepup/passkey/*` (WebAuthn,
   * optional peer `@simplewebauthn/server`): `rpId` is the shop's domain, which every
   * passkey origin must be or end in; the page origins are the site's `origins`; `rpName` is
   * the name shown at registration (kept for the shop's own registration ceremony; a step-up
   * does not show it).
   */
  stepUp?: { secret: SecretRef; smtp?: SecretRef; from?: string; passkey?: { rpId: string; rpName?: string } }
  /**
   * Confirmation links and codes (double opt-in, guest checkout): `{ secret, linkUrl, purposes, smtp, from }`;
   * `smtp`/`from` default to `stepUp`'s. Without it `/v1/confirm/*` answer 404 `confirm_not_configured`.
   */
  confirm?: { secret: SecretRef; linkUrl: string; purposes?: string[]; smtp?: SecretRef; from?: string }
  /** This site's own store (default: the service's `store`). */
  store?: StoreConfig
  /**
   * How long this site's store keeps history, in days (docs/privacy.md): `events` (every
   * verification, its outcomes and label; default 90) and `devices` (device records and
   * user–device pairs, counted from their last sighting; default 400). Whole days, 1 to 3650.
   */
  retention?: { events?: number; devices?: number }
}

export interface ServiceConfig {
  /** Address to listen on. Default host `127.0.0.1`, port `8787`. */
  listen: { host: string; port: number }
  /** Default store for every site. Default `{ "type": "memory" }`. */
  store: StoreConfig
  /** Largest request body read, in bytes (default 65536, at most 1 MiB). */
  bodyLimit: number
  /** Take the client address of public requests from the last `X-Forwarded-For` entry, the one your proxy added (only behind your own proxy). Default false. */
  trustProxy: boolean
  /** Log level: `debug`, `info`, `warn`, `error` or `silent`. Default `info`. */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** How long shutdown waits for pending writes, ms. Default 10000. */
  shutdownTimeoutMs: number
  sites: SiteConfig[]
  /**
   * The console (`@kenchi/console`, an optional peer) on this service: `path` where it is
   * mounted (default `/console`), `sqlite` a file for its users and audit log (default: in
   * memory, lost at restart). Its first admin comes from `KENCHI_CONSOLE_ADMIN` and
   * `KENCHI_CONSOLE_ADMIN_PASSWORD_HASH` (docs/console.md). Absent: no console.
   */
  console?: { path?: string; sqlite?: string }
}

/** Resolved, ready-to-use site settings: secrets read, API secrets only as hashes. */
export interface ResolvedSite {
  id: string
  origins: string[]
  keys: Array<{ id: string; secret: string }>
  hashSecret: string
  apiSecretHashes: Array<{ id: string; sha256: string }>
  policy?: Record<string, unknown>
  testMode?: boolean | Record<string, unknown>
  stepUp?: { secret: string; smtp?: string; from?: string; passkey?: { rpId: string; rpName?: string; origins: string[] } }
  confirm?: { secret: string; linkUrl: string; purposes?: string[]; smtp?: string; from?: string }
  store: ResolvedStore
  /** Retention in ms, passed to the store (`eventRetentionMs`, `deviceRetentionMs`); defaults filled in. */
  retention: { eventMs: number; deviceMs: number }
}

type ResolvedHot = { type: 'memory' } | { type: 'redis'; url: string; prefix: string }
type ResolvedHistory = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string; tablePrefix: string }
export type ResolvedStore = ResolvedHot | ResolvedHistory | { type: 'split'; hot: ResolvedHot; history: ResolvedHistory }

export interface ResolvedConfig extends Omit<ServiceConfig, 'sites' | 'store' | 'console'> {
  sites: ResolvedSite[]
  console?: { path: string; sqlite?: string }
}

const resolvedConfigs = new WeakSet<object>()

/** Whether `value` came from `resolveConfig` / `loadConfigFile` (so it need not be validated again). */
export function isResolvedConfig(value: unknown): value is ResolvedConfig {
  return typeof value === 'object' && value !== null && resolvedConfigs.has(value)
}

/** Hex SHA-256 of an API secret, as stored in `apiSecrets[].sha256`. */
export function hashApiSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

class ConfigError extends KenchiError {
  constructor(message: string) {
    super('CONFIG_SERVICE', message)
  }
}

const fail = (path: string, message: string): never => {
  throw new ConfigError(`${path}: ${message}`)
}

/** An integer option from `min` to `max`, or `fail` naming its path. */
function integer(path: string, value: unknown, min: number, max: number): number {
  const bounds = { min, max, integer: true }
  if (!inBounds(value, bounds)) fail(path, `must be ${describeBounds(bounds)}`)
  return value as number
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function only(value: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) fail(path ? `${path}.${key}` : key, `unknown field (allowed: ${allowed.join(', ')})`)
}

/** Reads a secret reference. `env` reads `env[name]`; `file` reads the file, trimming one trailing newline. */
export function resolveSecret(ref: unknown, path: string, env: NodeJS.ProcessEnv, readFile: (path: string) => string): string {
  let value: string
  if (typeof ref === 'string') value = ref
  else if (isObject(ref) && Object.keys(ref).length === 1 && typeof ref.env === 'string') {
    const v = env[ref.env]
    if (v === undefined || v === '') fail(path, `environment variable ${ref.env} is not set`)
    value = v as string
  } else if (isObject(ref) && Object.keys(ref).length === 1 && typeof ref.file === 'string') {
    try {
      value = readFile(ref.file).replace(/\r?\n$/, '')
    } catch (error) {
      return fail(path, `cannot read ${ref.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  } else return fail(path, 'must be a string, {"env": "NAME"} or {"file": "/path"}')
  if (value.length === 0) fail(path, 'is empty')
  return value
}

const ID = /^[a-z0-9][a-z0-9_-]{0,31}$/

function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.origin !== value) return false
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]')
}

function parseStore(
  value: unknown,
  path: string,
  env: NodeJS.ProcessEnv,
  readFile: (p: string) => string,
  kinds = ['memory', 'sqlite', 'redis', 'postgres', 'split'],
): ResolvedStore {
  const names = kinds.map((k) => `"${k}"`)
  if (!isObject(value)) return fail(path, `must be an object {"type": ${names.join(' | ')}, ...}`)
  if (typeof value.type !== 'string' || !kinds.includes(value.type))
    return fail(`${path}.type`, `must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`)
  if (value.type === 'postgres') {
    only(value, path, ['type', 'url', 'tablePrefix'])
    const url = resolveSecret(value.url, `${path}.url`, env, readFile)
    if (!/^postgres(ql)?:\/\//.test(url)) fail(`${path}.url`, 'must be a postgres:// or postgresql:// URL')
    if (value.tablePrefix !== undefined && (typeof value.tablePrefix !== 'string' || !/^[a-z_][a-z0-9_]{0,30}$/.test(value.tablePrefix)))
      fail(`${path}.tablePrefix`, 'must be up to 31 lower-case letters, digits or _')
    return { type: 'postgres', url, tablePrefix: (value.tablePrefix as string | undefined) ?? 'kenchi_' }
  }
  if (value.type === 'split') {
    only(value, path, ['type', 'hot', 'history'])
    const hot = parseStore(value.hot, `${path}.hot`, env, readFile, ['memory', 'redis']) as ResolvedHot
    const history = parseStore(value.history, `${path}.history`, env, readFile, ['sqlite', 'postgres']) as ResolvedHistory
    return { type: 'split', hot, history }
  }
  if (value.type === 'memory') {
    only(value, path, ['type'])
    return { type: 'memory' }
  }
  if (value.type === 'sqlite') {
    only(value, path, ['type', 'path'])
    if (typeof value.path !== 'string' || value.path === '') fail(`${path}.path`, 'must be a file path')
    return { type: 'sqlite', path: value.path as string }
  }
  if (value.type === 'redis') {
    only(value, path, ['type', 'url', 'prefix'])
    const url = resolveSecret(value.url, `${path}.url`, env, readFile)
    if (!/^rediss?:\/\//.test(url)) fail(`${path}.url`, 'must be a redis:// or rediss:// URL')
    if (value.prefix !== undefined && (typeof value.prefix !== 'string' || !/^[A-Za-z0-9:_-]{0,40}$/.test(value.prefix)))
      fail(`${path}.prefix`, 'must be up to 40 letters, digits, :, _ or -')
    return { type: 'redis', url, prefix: (value.prefix as string | undefined) ?? 'kenchi:' }
  }
  return fail(`${path}.type`, `must be ${names.join(' or ')}`)
}

/**
 * Validates a parsed configuration and resolves its secrets. Throws `KenchiError`
 * `CONFIG_SERVICE` whose message starts with the field (`sites[0].origins[1]: ...`).
 */
export function resolveConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ResolvedConfig {
  if (!isObject(raw)) return fail('(root)', 'must be a JSON object')
  only(raw, '', ['$schema', 'listen', 'store', 'bodyLimit', 'trustProxy', 'logLevel', 'shutdownTimeoutMs', 'sites', 'console'])
  const listen = { host: '127.0.0.1', port: 8787 }
  if (raw.listen !== undefined) {
    if (!isObject(raw.listen)) fail('listen', 'must be an object {"host", "port"}')
    const l = raw.listen as Record<string, unknown>
    only(l, 'listen', ['host', 'port'])
    if (l.host !== undefined) {
      if (typeof l.host !== 'string' || l.host === '') fail('listen.host', 'must be a host name or address')
      listen.host = l.host as string
    }
    if (l.port !== undefined) {
      listen.port = integer('listen.port', l.port, 0, 65535)
    }
  }
  const store = raw.store === undefined ? { type: 'memory' as const } : parseStore(raw.store, 'store', env, readFile)
  const bodyLimit = integer('bodyLimit', raw.bodyLimit ?? 65536, 1024, 1048576)
  const trustProxy = raw.trustProxy ?? false
  if (typeof trustProxy !== 'boolean') fail('trustProxy', 'must be true or false')
  const logLevel = raw.logLevel ?? 'info'
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel as string))
    fail('logLevel', 'must be debug, info, warn, error or silent')
  const shutdownTimeoutMs = integer('shutdownTimeoutMs', raw.shutdownTimeoutMs ?? 10000, 0, 600000)
  if (!Array.isArray(raw.sites) || raw.sites.length === 0) fail('sites', 'must be a non-empty array')
  const sites: ResolvedSite[] = []
  const seenHashes = new Map<string, string>()
  ;(raw.sites as unknown[]).forEach((s, i) => {
    const p = `sites[${i}]`
    if (!isObject(s)) return fail(p, 'must be an object')
    only(s, p, ['id', 'origins', 'keys', 'hashSecret', 'apiSecrets', 'policy', 'testMode', 'stepUp', 'confirm', 'store', 'retention'])
    if (typeof s.id !== 'string' || !ID.test(s.id)) fail(`${p}.id`, 'must be 1-32 lower-case letters, digits, - or _')
    const id = s.id as string
    if (sites.some((x) => x.id === id)) fail(`${p}.id`, `duplicate site id ${id}`)
    if (!Array.isArray(s.origins) || s.origins.length === 0) fail(`${p}.origins`, 'must be a non-empty array of origins')
    ;(s.origins as unknown[]).forEach((o, j) => {
      if (!isOrigin(o)) fail(`${p}.origins[${j}]`, 'must be an https origin (scheme://host[:port], no path; http only for localhost)')
    })
    if (!Array.isArray(s.keys) || s.keys.length === 0) fail(`${p}.keys`, 'must be a non-empty array of {"id", "secret"}')
    const keys = (s.keys as unknown[]).map((k, j) => {
      const kp = `${p}.keys[${j}]`
      if (!isObject(k)) return fail(kp, 'must be an object {"id", "secret"}')
      only(k, kp, ['id', 'secret'])
      if (typeof k.id !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(k.id)) fail(`${kp}.id`, 'must be 1-32 letters, digits, _ or -')
      const secret = resolveSecret(k.secret, `${kp}.secret`, env, readFile)
      if (Buffer.byteLength(secret) < 32) fail(`${kp}.secret`, 'must be at least 32 bytes')
      return { id: k.id as string, secret }
    })
    const hashSecret = resolveSecret(s.hashSecret, `${p}.hashSecret`, env, readFile)
    if (Buffer.byteLength(hashSecret) < 32) fail(`${p}.hashSecret`, 'must be at least 32 bytes')
    if (!Array.isArray(s.apiSecrets) || s.apiSecrets.length === 0)
      fail(`${p}.apiSecrets`, 'must be a non-empty array of {"id", "sha256"} or {"id", "secret"}')
    const apiSecretHashes = (s.apiSecrets as unknown[]).map((a, j) => {
      const ap = `${p}.apiSecrets[${j}]`
      if (!isObject(a)) return fail(ap, 'must be an object')
      only(a, ap, ['id', 'sha256', 'secret'])
      if (typeof a.id !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(a.id)) fail(`${ap}.id`, 'must be 1-32 letters, digits, _ or -')
      let sha256: string
      if (a.sha256 !== undefined && a.secret === undefined) {
        if (typeof a.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(a.sha256))
          fail(`${ap}.sha256`, 'must be 64 lower-case hex digits (sha256 of the secret)')
        sha256 = a.sha256 as string
      } else if (a.secret !== undefined && a.sha256 === undefined) {
        const secret = resolveSecret(a.secret, `${ap}.secret`, env, readFile)
        if (secret.length < 24) fail(`${ap}.secret`, 'must be at least 24 characters')
        sha256 = hashApiSecret(secret)
      } else return fail(ap, 'needs exactly one of "sha256" or "secret"')
      const other = seenHashes.get(sha256)
      if (other !== undefined) fail(ap, `the same secret is already used by ${other}`)
      seenHashes.set(sha256, ap)
      return { id: a.id as string, sha256 }
    })
    if (s.policy !== undefined && !isObject(s.policy)) fail(`${p}.policy`, 'must be an object (a policy patch)')
    if (s.testMode !== undefined && typeof s.testMode !== 'boolean' && !isObject(s.testMode))
      fail(`${p}.testMode`, 'must be true, false or test-mode options')
    let stepUp: ResolvedSite['stepUp']
    if (s.stepUp !== undefined) {
      if (!isObject(s.stepUp)) fail(`${p}.stepUp`, 'must be an object {"secret", "smtp", "from", "passkey"}')
      const su = s.stepUp as Record<string, unknown>
      only(su, `${p}.stepUp`, ['secret', 'smtp', 'from', 'passkey'])
      const secret = resolveSecret(su.secret, `${p}.stepUp.secret`, env, readFile)
      if (Buffer.byteLength(secret) < 32) fail(`${p}.stepUp.secret`, 'must be at least 32 bytes')
      const smtp = su.smtp === undefined ? undefined : resolveSecret(su.smtp, `${p}.stepUp.smtp`, env, readFile)
      if (smtp !== undefined && !/^smtps?:\/\//.test(smtp)) fail(`${p}.stepUp.smtp`, 'must be an smtp:// or smtps:// URL')
      if (su.from !== undefined && (typeof su.from !== 'string' || su.from === '')) fail(`${p}.stepUp.from`, 'must be a sender address')
      if (smtp !== undefined && su.from === undefined) fail(`${p}.stepUp.from`, 'is required with smtp')
      let passkey: NonNullable<ResolvedSite['stepUp']>['passkey']
      if (su.passkey !== undefined) {
        const pp = `${p}.stepUp.passkey`
        if (!isObject(su.passkey)) fail(pp, 'must be an object {"rpId", "rpName"}')
        const pk = su.passkey as Record<string, unknown>
        only(pk, pp, ['rpId', 'rpName'])
        const rpId = pk.rpId
        if (typeof rpId !== 'string' || !/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rpId)) {
          fail(`${pp}.rpId`, 'must be a lower-case domain name without scheme or port, e.g. shop.example')
        }
        const origins = (s.origins as string[]).filter((o) => {
          const host = new URL(o).hostname
          return host === rpId || host.endsWith(`.${rpId as string}`)
        })
        if (origins.length === 0) fail(`${pp}.rpId`, `must be the host (or a parent domain) of one of ${p}.origins`)
        if (pk.rpName !== undefined && (typeof pk.rpName !== 'string' || pk.rpName === '' || pk.rpName.length > 64))
          fail(`${pp}.rpName`, 'must be a non-empty string of at most 64 characters')
        passkey = { rpId: rpId as string, ...(pk.rpName !== undefined ? { rpName: pk.rpName as string } : {}), origins }
      }
      stepUp = {
        secret,
        ...(smtp !== undefined ? { smtp } : {}),
        ...(su.from !== undefined ? { from: su.from as string } : {}),
        ...(passkey ? { passkey } : {}),
      }
    }
    let confirm: ResolvedSite['confirm']
    if (s.confirm !== undefined) {
      const cp = `${p}.confirm`
      if (!isObject(s.confirm)) fail(cp, 'must be an object {"secret", "linkUrl", "purposes", "smtp", "from"}')
      const c = s.confirm as Record<string, unknown>
      only(c, cp, ['secret', 'linkUrl', 'purposes', 'smtp', 'from'])
      const secret = resolveSecret(c.secret, `${cp}.secret`, env, readFile)
      if (Buffer.byteLength(secret) < 32) fail(`${cp}.secret`, 'must be at least 32 bytes')
      if (typeof c.linkUrl !== 'string' || !/^https?:\/\/\S+$/.test(c.linkUrl))
        fail(`${cp}.linkUrl`, 'must be the https URL of the page that confirms links')
      if (
        c.purposes !== undefined &&
        (!Array.isArray(c.purposes) ||
          c.purposes.length === 0 ||
          !c.purposes.every((x) => typeof x === 'string' && /^[a-z][a-z_]{0,31}$/.test(x)))
      ) {
        fail(`${cp}.purposes`, 'must be a non-empty array of lower-case words')
      }
      const smtp = c.smtp === undefined ? stepUp?.smtp : resolveSecret(c.smtp, `${cp}.smtp`, env, readFile)
      if (smtp !== undefined && !/^smtps?:\/\//.test(smtp)) fail(`${cp}.smtp`, 'must be an smtp:// or smtps:// URL')
      const from = c.from === undefined ? stepUp?.from : c.from
      if (from !== undefined && (typeof from !== 'string' || from === '')) fail(`${cp}.from`, 'must be a sender address')
      if (smtp !== undefined && from === undefined) fail(`${cp}.from`, 'is required with smtp')
      confirm = {
        secret,
        linkUrl: c.linkUrl as string,
        ...(c.purposes ? { purposes: c.purposes as string[] } : {}),
        ...(smtp !== undefined ? { smtp } : {}),
        ...(from !== undefined ? { from: from as string } : {}),
      }
    }
    const own = s.store === undefined ? undefined : parseStore(s.store, `${p}.store`, env, readFile)
    const sharedBy = own === undefined ? (raw.sites as unknown[]).length : 1
    const forSite = (base: ResolvedStore, field: string): ResolvedStore => {
      if (base.type === 'redis') return { type: 'redis', url: base.url, prefix: `${base.prefix}${id}:` }
      if (base.type === 'sqlite') {
        if (sharedBy > 1 && !base.path.includes('{site}'))
          fail(`${field}.path`, 'must contain {site} when several sites share the SQLite store (one file per site)')
        return { type: 'sqlite', path: base.path.replaceAll('{site}', id) }
      }
      if (base.type === 'postgres') {
        if (sharedBy === 1) return base
        const tablePrefix = `${base.tablePrefix}${id.replaceAll('-', '_')}_`
        if (tablePrefix.length > 31)
          fail(
            `${p}.id`,
            `too long for the shared PostgreSQL tablePrefix ${tablePrefix} (at most 31 characters): give the site its own store`,
          )
        return { ...base, tablePrefix }
      }
      if (base.type === 'split')
        return {
          type: 'split',
          hot: forSite(base.hot, `${field}.hot`) as ResolvedHot,
          history: forSite(base.history, `${field}.history`) as ResolvedHistory,
        }
      return { type: 'memory' }
    }
    const resolvedStore = forSite(own ?? store, own === undefined ? 'store' : `${p}.store`)
    const retention = parseRetention(s.retention, `${p}.retention`)
    sites.push({
      id,
      origins: s.origins as string[],
      keys,
      hashSecret,
      apiSecretHashes,
      ...(s.policy !== undefined ? { policy: s.policy as Record<string, unknown> } : {}),
      ...(s.testMode !== undefined ? { testMode: s.testMode as boolean | Record<string, unknown> } : {}),
      ...(stepUp ? { stepUp } : {}),
      ...(confirm ? { confirm } : {}),
      store: resolvedStore,
      retention,
    })
  })
  const consoleConfig = resolveConsole(raw.console)
  const resolved: ResolvedConfig = {
    listen,
    bodyLimit: bodyLimit as number,
    trustProxy: trustProxy as boolean,
    logLevel: logLevel as ResolvedConfig['logLevel'],
    shutdownTimeoutMs: shutdownTimeoutMs as number,
    sites,
    ...(consoleConfig ? { console: consoleConfig } : {}),
  }
  resolvedConfigs.add(resolved)
  return resolved
}

/** Reads and validates a configuration file (JSON). */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`)
  }
  return resolveConfig(raw, env)
}

const DAY_MS = 86_400_000

/** `sites[].retention`: whole days, defaults 90 (events) and 400 (devices and pairs). */
function parseRetention(value: unknown, path: string): ResolvedSite['retention'] {
  if (value === undefined) return { eventMs: 90 * DAY_MS, deviceMs: 400 * DAY_MS }
  if (!isObject(value)) return fail(path, 'must be an object {"events", "devices"} (days)')
  only(value, path, ['events', 'devices'])
  const days = (field: 'events' | 'devices', fallback: number): number => {
    const v = value[field] ?? fallback
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 3650)
      fail(`${path}.${field}`, 'must be a whole number of days from 1 to 3650')
    return (v as number) * DAY_MS
  }
  return { eventMs: days('events', 90), deviceMs: days('devices', 400) }
}

/** Paths of the service's own routes, which the console may not take. */
const RESERVED_PATHS = ['/s', '/v1', '/healthz', '/readyz', '/metrics']

function resolveConsole(raw: unknown): ResolvedConfig['console'] {
  if (raw === undefined) return undefined
  if (!isObject(raw)) return fail('console', 'must be an object { path?, sqlite? }')
  only(raw, 'console', ['path', 'sqlite'])
  const path = raw.path ?? '/console'
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~-]{1,64}$/.test(path)) fail('console.path', 'must be one path segment like /console')
  if (RESERVED_PATHS.includes(path as string)) fail('console.path', `is one of the service's own paths (${RESERVED_PATHS.join(', ')})`)
  if (raw.sqlite !== undefined && (typeof raw.sqlite !== 'string' || raw.sqlite.length === 0)) fail('console.sqlite', 'must be a file path')
  return { path: path as string, ...(raw.sqlite !== undefined ? { sqlite: raw.sqlite as string } : {}) }
}

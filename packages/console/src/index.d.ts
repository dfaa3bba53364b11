// Types of @kenchi/console (the package is plain ES modules; these declarations are its API).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EventRecord, Store, Verifier } from '@kenchi/server'

/** viewer: read everything; analyst: also label events; admin: also policy, rules, lists, foreign IP, negative IPs, users and the audit log. */
export type ConsoleRole = 'viewer' | 'analyst' | 'admin'
export declare const ROLES: readonly ConsoleRole[]

/** A console user as given in `users` or kept in a ConsoleStore. */
export interface ConsoleUser {
  /** 1 to 64 characters of A-Z a-z 0-9 _ . @ + - */
  name: string
  role: ConsoleRole
  /** From `hashPassword()` or `npx @kenchi/console hash-password`; never the password itself. */
  passwordHash: string
  created?: number
  updated?: number
}

/** One audit entry: who changed what, when, and the value before and after. */
export interface AuditEntry {
  id: number
  /** ms since the epoch */
  at: number
  /** the console user (or API token name) */
  actor: string
  /** `policy.update`, `rule.update`, `list.replace`, `list.update`, `foreign-ip.update`, `negative-ip.delete`, `label`, `user.create`, `user.update`, `user.delete` */
  action: string
  /** the site the change was made on (null for user changes made outside a site) */
  site: string | null
  /** the list, rule, event id, IP or user name changed; null for the policy and foreign-IP settings */
  target: string | null
  before: unknown
  after: unknown
}

/** Where the console keeps its users and audit log: `memoryConsoleStore()` or `sqliteConsoleStore(path)`, or your own. */
export interface ConsoleStore {
  listUsers(): Promise<ConsoleUser[]>
  getUser(name: string): Promise<ConsoleUser | undefined>
  putUser(user: ConsoleUser): Promise<void>
  deleteUser(name: string): Promise<void>
  appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry>
  /** Newest first; `before`: entries with a smaller id; `action`, `target`, `site`: only matching entries. */
  listAudit(query?: { limit?: number; before?: number; action?: string; target?: string; site?: string }): Promise<AuditEntry[]>
  close(): Promise<void>
}

export interface AuditRetention {
  /** Entries older than this are dropped (default 365). */
  auditDays?: number
  /** At most this many entries are kept (default 100 000). */
  auditMax?: number
  now?: () => number
}
export declare function memoryConsoleStore(options?: AuditRetention): ConsoleStore
/** Needs the optional peer dependency better-sqlite3. Creates the tables `console_users` and `console_audit`. */
export declare function sqliteConsoleStore(path: string, options?: AuditRetention): Promise<ConsoleStore>

/** A deny/allow list the console can show and edit (a site's rule settings). */
export interface ConsoleList {
  entries(): string[]
  readonly size: number
  has(entry: string): boolean
  match?(ip: string): string | undefined
  replace(entries: string[]): void
  add(...entries: string[]): void
  remove(...entries: string[]): void
}

/** Optional rule settings of a site: the Policy page's rules, lists and foreign-IP sections (404 NOT_AVAILABLE without them). */
export interface ConsoleRules {
  lists: Record<string, ConsoleList>
  listInfo: Record<string, { kind: string; rule: string; reason: string; title: string }>
  ruleModes(): Array<{ name: string; mode: string; [k: string]: unknown }>
  setRuleMode(name: string, mode: unknown): void
  foreignIp(): { policy: string; homeCountries: string[] }
  setForeignIp(change: { policy?: unknown; homeCountries?: unknown }): { policy: string; homeCountries: string[] }
  country(ip: string): { country?: string; [k: string]: unknown } | undefined
}

/** One site: its verifier and store, and optionally its rule settings and user names. */
export interface ConsoleSite {
  /** Shown in the site switcher and chosen with `?site=` (A-Z a-z 0-9 _ . -). */
  name: string
  verifier: Verifier
  /** Defaults to the verifier's store. */
  store?: Store
  rules?: ConsoleRules
  /** The shop's name for a user hash (e.g. the e-mail), shown next to the hash. */
  userName?: (userHash: string) => string | undefined
  /** Turns an e-mail typed in the user filter into the user hash (default: verifier.hashIdentity('user', lower-cased e-mail)). */
  hashUser?: (email: string) => string
}

export interface ConsoleOptions {
  /** One site: its verifier (and store, rules, userName, hashUser below). Or give `sites`. */
  verifier?: Verifier
  store?: Store
  rules?: ConsoleRules
  userName?: (userHash: string) => string | undefined
  hashUser?: (email: string) => string
  /** Name of the single site (default `default`). */
  siteName?: string
  /** Several sites, each with its own data; the console shows one at a time. */
  sites?: ConsoleSite[]
  /** Users created at start when the ConsoleStore does not have them yet (existing users are never overwritten). */
  users?: ConsoleUser[]
  /** Bearer tokens for scripts (no cookie, so no CSRF token): each at least 16 characters, compared in constant time. */
  apiTokens?: Array<{ name: string; role: ConsoleRole; token: string }>
  /** Where the console is mounted, e.g. `/admin` (default: the root). */
  basePath?: string
  /** Users and audit log (default: memoryConsoleStore(), lost at restart). */
  consoleStore?: ConsoleStore
  /** Session lifetime: idle minutes (30), absolute hours (12), at most `max` sessions kept (1000, least recently used dropped). */
  session?: { idleMinutes?: number; absoluteHours?: number; max?: number }
  /** Failed sign-ins allowed per user name (`max`, 5) and per client address (`maxPerAddress`, 20) in the window (15 minutes). */
  loginLimit?: { max?: number; maxPerAddress?: number; windowMinutes?: number }
  /** Cookie name (default `kenchi_console`). */
  cookieName?: string
  /** Secure cookies: default when the request came over TLS (or X-Forwarded-Proto https with trustProxy). */
  secureCookies?: boolean
  /** Trust X-Forwarded-For / X-Forwarded-Proto (behind a reverse proxy you control). */
  trustProxy?: boolean
  /** Other origins allowed to make changes (default: only the request's own origin). */
  allowedOrigins?: string[]
  /** Page title and footer text (default `Kenchi console`). */
  title?: string
  /** Extra links in the header, e.g. back to the shop. */
  links?: Array<{ href: string; text: string }>
  /** Environment to read KENCHI_CONSOLE_ADMIN and KENCHI_CONSOLE_ADMIN_PASSWORD_HASH from (default process.env). */
  env?: Record<string, string | undefined>
  /** Called with unexpected errors (answered 500 INTERNAL_ERROR). */
  onError?: (error: unknown) => void
  /** Clock, for tests. */
  now?: () => number
}

/** A plain Node handler: node:http `createServer(handler)`, Express `app.use(handler)`. */
export interface ConsoleHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void
  /** The normalised basePath ('' for the root). */
  readonly basePath: string
  /** Settles when the bootstrap users are in the ConsoleStore (rejects if the store failed). */
  readonly ready: Promise<void>
  readonly consoleStore: ConsoleStore
}

export declare function createConsole(options: ConsoleOptions): ConsoleHandler

/** scrypt (N=16384, r=8, p=1), random 16-byte salt: `scrypt$N$r$p$salt$hash`. Passwords of 8 to 1024 characters. */
export declare function hashPassword(password: string): Promise<string>
/** Constant-time check of a password against a hashPassword() hash; false for anything malformed. */
export declare function verifyPassword(password: string, hash: string): Promise<boolean>

export declare function mountExpress<T extends { use: (...args: any[]) => unknown }>(app: T, handler: ConsoleHandler): T
export declare function mountFastify<T>(fastify: T, handler: ConsoleHandler): Promise<T>
export declare function mountHono<T>(app: T, handler: ConsoleHandler): T

// Building blocks the console is made of, for tests and custom pages.
export declare function eventsCsv(events: EventRecord[]): string
export declare function matches(event: EventRecord, filter: any): boolean
export declare const MAX_SCAN: number
export declare const WINDOWS: Record<string, number>
export declare function parseFilter(query: Record<string, unknown>, hashUser: (email: string) => string): { filter?: any; error?: string }
/** Newest-first events matching a console filter: through `store.queryEvents` when the store has it, else a scan of at most `maxScan` events. */
export declare function scanEvents(
  store: Store,
  filter: any,
  options?: { maxScan?: number },
): Promise<{ events: EventRecord[]; next: number | null; scanned: number; truncated: boolean }>
/** The chart of a window: decisions per bucket from `store.countEvents` (when the store has it: `counted: true`), the rest from the latest `maxEvents` events. */
export declare function eventStats(store: Store, window: string, options?: { now?: number; maxEvents?: number }): Promise<any>
export declare function linkGraph(
  store: Store,
  from: { device: string } | { user: string },
  userName?: (hash: string) => string | undefined,
  options?: { maxNodes?: number; maxScan?: number },
): Promise<any>
export declare const REASON_LABELS: Record<string, string>
export declare function reasonLabel(code: string): string
export declare function reasonCatalogue(): any

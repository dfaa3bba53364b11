// A console on a real verifier and memory store, served over real HTTP (node:http), with
// one user per role and a clock the test moves.
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createVerifier, memoryStore, type Verifier } from '@kenchi/server'
import { createConsole, hashPassword, type ConsoleHandler, type ConsoleOptions, type ConsoleRole } from '@kenchi/console'
// @ts-expect-error the demo is plain JavaScript
import { demoRules, LIST_INFO } from '../../demo/lib/rules.mjs'

export const PASSWORDS: Record<ConsoleRole, string> = {
  viewer: 'viewer-password-1',
  analyst: 'analyst-password-1',
  admin: 'admin-password-1',
}
let hashes: Record<ConsoleRole, string> | undefined
export async function roleUsers() {
  hashes ??= {
    viewer: await hashPassword(PASSWORDS.viewer),
    analyst: await hashPassword(PASSWORDS.analyst),
    admin: await hashPassword(PASSWORDS.admin),
  }
  return (['viewer', 'analyst', 'admin'] as const).map((role) => ({ name: role, role, passwordHash: hashes![role] }))
}

export async function newSite(name = 'default') {
  const ruleSettings = await demoRules()
  const verifier = await createVerifier({
    keys: [{ id: 't', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins: ['http://shop.example'],
    store: memoryStore(),
    rules: ruleSettings.rules,
  })
  return { name, verifier, rules: { ...ruleSettings, listInfo: LIST_INFO } }
}

/** Records one event (a login without a token: challenge, TOKEN_MISSING) and resolves its id. */
export async function addEvent(verifier: Verifier, ip = '203.0.113.7'): Promise<string> {
  return (await verifier.verify(undefined, { action: 'login', ip, userId: 'hanako@example.com' })).eventId
}

export interface Running {
  url: string
  base: string
  handler: ConsoleHandler
  clock: { now: number }
  close(): Promise<void>
}

export async function serve(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

export async function startConsole(options: Partial<ConsoleOptions> = {}): Promise<Running> {
  const clock = { now: Date.now() }
  const site = options.sites ? {} : await newSite()
  const handler = createConsole({
    basePath: '/console',
    users: await roleUsers(),
    now: () => clock.now,
    ...site,
    ...options,
  } as ConsoleOptions)
  const server = createServer(handler)
  const url = await serve(server)
  return {
    url,
    base: `${url}/console`,
    handler,
    clock,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

export interface Session {
  cookie: string
  csrf: string
  setCookie: string
}

export async function login(base: string, user: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ user, password }),
  })
}

export async function session(base: string, role: ConsoleRole): Promise<Session> {
  const res = await login(base, role, PASSWORDS[role])
  if (res.status !== 200) throw new Error(`login ${role}: ${res.status} ${await res.text()}`)
  const setCookie = res.headers.get('set-cookie')!
  return { cookie: setCookie.split(';')[0]!, csrf: ((await res.json()) as { csrf: string }).csrf, setCookie }
}

/** A request with the session's cookie and (for changes) its CSRF token. */
export function call(
  base: string,
  s: Session,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      cookie: s.cookie,
      ...(method === 'GET' ? {} : { 'x-csrf-token': s.csrf }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
}

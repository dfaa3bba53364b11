// The command: `npx @kenchi/server <command>`.
//
//   keygen [--id <key id>] [--env]         every secret Kenchi needs, as JSON or env lines
//   inspect <token|-> [--secret S] [--json]
//                                          decode and explain a token without trusting it
//   doctor <page url> [...]                check a running deployment from the outside
//   serve --config <file> [--port N] [--check]
//                                          run the verification service (docs/service.md)
//   api-secret [--id <secret id>]          a new API secret for the service and its sha256
//   privacy export|erase --config <file> [--site <id>] --user-id X | --login-id X | --user-hash H [--all]
//                                          answer an access or erasure request (docs/privacy.md)
import { createHmac, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseToken, TOKEN_ERRORS, type ParsedToken } from '@kenchi/protocol'
import { createDeviceVerifier, deviceThumbprint } from './device.js'
import { formatFindings, runDoctor } from './doctor.js'
import { eraseUser, exportUser, type PrivacySubject } from './privacy.js'
import { createService, hashApiSecret, loadConfigFile, openStore } from './service/index.js'
import { mountConfiguredConsole } from './service/console.js'

const USAGE = `usage: npx @kenchi/server <command>
  keygen [--id <key id>] [--env]
      Prints new secrets: the challenge signing key { id, secret }, the identity-hash secret,
      the step-up and confirmation secrets, as JSON; with --env as NAME=value lines
      (KENCHI_KEY_ID, KENCHI_SECRET, KENCHI_HASH_SECRET, KENCHI_STEP_UP_SECRET,
      KENCHI_CONFIRM_SECRET) to append to a .env file.
  inspect <token | -> [--secret <challenge secret>] [--json]
      Decodes a token (or reads it from standard input with -) and explains it. Checks the
      structure, the device signature (the key is in the token) and, with --secret, the
      challenge MAC. Says nothing about replay: that needs the server's store.
  doctor <page url> [--endpoint /kenchi] [--action login] [--origin <origin>] [--json]
      Checks a running deployment from the outside: the page's script tag, the client
      files and their content types, the Content-Security-Policy, the challenge endpoint
      for the page's origin and a foreign one, and the server's clock. Says what is wrong
      in words; exit code 1 when something failed.
  serve --config <kenchi.config.json> [--port <port>] [--check]
      Runs the verification service (docs/service.md): the challenge endpoint and client
      files for the browser, /v1/verify, /v1/outcome, /v1/label, /v1/stepup/* and /v1/confirm/* for shop
      back ends, /healthz, /readyz and /metrics. Validates the file first (errors name the
      field); --check stops there. SIGTERM or SIGINT drains pending writes and stops.
  api-secret [--id <secret id>]
      Prints a new API secret for a site and the entry for its apiSecrets list
      ({ id, sha256 }), so the configuration file holds only the hash.
  privacy export --config <kenchi.config.json> [--site <id>] --login-id <id> | --user-id <id> | --user-hash <hash>
  privacy erase  --config <kenchi.config.json> [--site <id>] --login-id <id> | --user-id <id> | --user-hash <hash> [--all]
      Answers a privacy request for one person (docs/privacy.md) on the site's store, found
      through the keyed hash of the id (the site's hashSecret); --login-id and --user-id may
      be given together. export prints everything held as JSON (access, portability); erase
      deletes it and prints what was removed. Events labelled fraud are kept without
      anything that points to the person, and fraud devices are kept, unless --all.
      --site is needed when the file has several sites. Not for the memory store.`

export interface CliIo {
  out(text: string): void
  err(text: string): void
  stdin(): string
  now(): number
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  stdin: () => readFileSync(0, 'utf8'),
  now: () => Date.now(),
}

/** Runs the CLI with arguments (without `node` and the script); the exit code (a promise for `doctor`). */
export function runCli(args: readonly string[], io: CliIo = processIo): number | Promise<number> {
  const [command, ...rest] = args
  const flags = parseFlags(rest)
  if (flags === undefined) return usage(io)
  if (command === 'keygen') return keygen(flags, io)
  if (command === 'inspect') return inspect(flags, io)
  if (command === 'doctor') return doctor(flags, io)
  if (command === 'serve') return serve(flags, io)
  if (command === 'api-secret') return apiSecret(flags, io)
  if (command === 'privacy') return privacy(flags, io)
  return usage(io, command === undefined || command === '--help' || command === 'help' ? 0 : 2)
}

function usage(io: CliIo, code = 2): number {
  ;(code === 0 ? io.out : io.err)(USAGE)
  return code
}

type Flags = { positional: string[]; options: Map<string, string | true> }

function parseFlags(args: readonly string[]): Flags | undefined {
  const positional: string[] = []
  const options = new Map<string, string | true>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--json' || arg === '--env' || arg === '--all') options.set(arg.slice(2), true)
    else if (arg === '--check') options.set('check', true)
    else if (
      arg === '--id' ||
      arg === '--secret' ||
      arg === '--endpoint' ||
      arg === '--action' ||
      arg === '--origin' ||
      arg === '--config' ||
      arg === '--port' ||
      PRIVACY_FLAGS.includes(arg)
    ) {
      const value = args[++i]
      if (value === undefined) return undefined
      options.set(arg.slice(2), value)
    } else if (arg.startsWith('--')) return undefined
    else positional.push(arg)
  }
  return { positional, options }
}

const PRIVACY_FLAGS = ['--site', '--user-id', '--login-id', '--user-hash']

/** Loads and validates the service's configuration file; on error says why and resolves undefined. */
function readConfig(file: string, io: CliIo): ReturnType<typeof loadConfigFile> | undefined {
  try {
    return loadConfigFile(file)
  } catch (error) {
    io.err(`kenchi-server: invalid configuration: ${(error as Error).message}`)
    return undefined
  }
}

async function privacy(flags: Flags, io: CliIo): Promise<number> {
  const [action] = flags.positional
  const file = flags.options.get('config')
  if ((action !== 'export' && action !== 'erase') || typeof file !== 'string') return usage(io)
  const text = (name: string) => {
    const value = flags.options.get(name)
    return typeof value === 'string' ? value : undefined
  }
  const subject: PrivacySubject = {
    ...(text('user-id') !== undefined ? { userId: text('user-id') } : {}),
    ...(text('login-id') !== undefined ? { loginId: text('login-id') } : {}),
    ...(text('user-hash') !== undefined ? { userHash: text('user-hash') } : {}),
  }
  if (Object.keys(subject).length === 0) {
    io.err(`privacy ${action}: give --login-id, --user-id or --user-hash`)
    return 2
  }
  const config = readConfig(file, io)
  if (config === undefined) return 1
  const siteId = text('site')
  const site = siteId === undefined ? (config.sites.length === 1 ? config.sites[0] : undefined) : config.sites.find((s) => s.id === siteId)
  if (site === undefined) {
    io.err(
      siteId === undefined
        ? `privacy ${action}: --site is needed (sites: ${config.sites.map((s) => s.id).join(', ')})`
        : `privacy ${action}: no site ${siteId} in ${file}`,
    )
    return 2
  }
  if (site.store.type === 'memory') {
    io.err(`privacy ${action}: site ${site.id} keeps its data in the memory of the running service; nothing here to ${action}`)
    return 2
  }
  let store
  try {
    store = await openStore(site)
    const options = { hashSecret: site.hashSecret }
    const result =
      action === 'export'
        ? await exportUser(store, subject, options)
        : { site: site.id, ...(await eraseUser(store, subject, { ...options, keepFraud: flags.options.get('all') !== true })) }
    io.out(JSON.stringify(result, null, 2))
    return 0
  } catch (error) {
    io.err(`privacy ${action}: ${(error as Error).message}`)
    return 1
  } finally {
    await store?.close().catch(() => {})
  }
}

function keygen(flags: Flags, io: CliIo): number {
  const id = flags.options.get('id')
  const keyId = typeof id === 'string' ? id : `k${new Date(io.now()).toISOString().slice(0, 10).replaceAll('-', '')}`
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(keyId)) {
    io.err('keygen: --id must be 1–32 characters of [A-Za-z0-9_-]')
    return 2
  }
  const secret = () => randomBytes(32).toString('base64url')
  const made = { secret: secret(), hashSecret: secret(), stepUpSecret: secret(), confirmSecret: secret() }
  if (flags.options.get('env') === true) {
    io.out(
      [
        `# Kenchi secrets, made by \`npx @kenchi/server keygen --env\`. Keep them out of git.`,
        '# createVerifier({ keys: [{ id: KENCHI_KEY_ID, secret: KENCHI_SECRET }], hashSecret: KENCHI_HASH_SECRET })',
        `KENCHI_KEY_ID=${keyId}`,
        `KENCHI_SECRET=${made.secret}`,
        '# Never change the hash secret once in use: every known user and device would look new.',
        `KENCHI_HASH_SECRET=${made.hashSecret}`,
        '# createStepUp({ secret }) and createConfirmations({ secret })',
        `KENCHI_STEP_UP_SECRET=${made.stepUpSecret}`,
        `KENCHI_CONFIRM_SECRET=${made.confirmSecret}`,
      ].join('\n'),
    )
    return 0
  }
  io.out(
    JSON.stringify(
      {
        keys: [{ id: keyId, secret: made.secret }],
        hashSecret: made.hashSecret,
        stepUpSecret: made.stepUpSecret,
        confirmSecret: made.confirmSecret,
        note: 'Keep all secret. Put the new key first in `keys` to rotate; never change hashSecret once in use. --env prints environment lines.',
      },
      null,
      2,
    ),
  )
  return 0
}

async function serve(flags: Flags, io: CliIo): Promise<number> {
  const file = flags.options.get('config')
  if (typeof file !== 'string') return usage(io)
  const portFlag = flags.options.get('port')
  const port = typeof portFlag === 'string' ? Number(portFlag) : undefined
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    io.err('serve: --port must be an integer from 0 to 65535')
    return 2
  }
  const config = readConfig(file, io)
  if (config === undefined) return 1
  if (flags.options.get('check') === true) {
    io.out(
      `${file}: valid (${config.sites.length} site${config.sites.length === 1 ? '' : 's'}: ${config.sites.map((s) => s.id).join(', ')})`,
    )
    return 0
  }
  let service
  try {
    service = await createService({ config })
    const consolePath = await mountConfiguredConsole(service, config)
    const { url } = await service.listen(port !== undefined ? { port } : {})
    if (consolePath) io.out(`console: ${url}${consolePath}/`)
  } catch (error) {
    io.err(`kenchi-server: cannot start: ${(error as Error).message}`)
    await service?.close()
    return 1
  }
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      service.close().then(
        (pending) => resolve(pending === 0 ? 0 : 1),
        () => resolve(1),
      )
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}

function apiSecret(flags: Flags, io: CliIo): number {
  const id = flags.options.get('id')
  const secretId = typeof id === 'string' ? id : `s${new Date(io.now()).toISOString().slice(0, 10).replaceAll('-', '')}`
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(secretId)) {
    io.err('api-secret: --id must be 1–32 characters of [A-Za-z0-9_-]')
    return 2
  }
  const secret = `ksk_${randomBytes(32).toString('base64url')}`
  io.out(
    JSON.stringify(
      {
        secret,
        apiSecretsEntry: { id: secretId, sha256: hashApiSecret(secret) },
        note: "Give the secret to the shop back end; put only apiSecretsEntry in the site's apiSecrets.",
      },
      null,
      2,
    ),
  )
  return 0
}

async function doctor(flags: Flags, io: CliIo): Promise<number> {
  const url = flags.positional[0]
  if (url === undefined) return usage(io)
  const text = (name: string) => {
    const value = flags.options.get(name)
    return typeof value === 'string' ? value : undefined
  }
  const findings = await runDoctor(url, {
    ...(text('endpoint') ? { endpoint: text('endpoint') } : {}),
    ...(text('action') ? { action: text('action') } : {}),
    ...(text('origin') ? { origin: text('origin') } : {}),
    now: io.now,
  })
  io.out(flags.options.get('json') === true ? JSON.stringify(findings, null, 2) : formatFindings(findings))
  const failed = findings.filter((f) => f.level === 'fail').length
  if (flags.options.get('json') !== true) io.out(failed === 0 ? 'No problem found.' : `${failed} problem${failed === 1 ? '' : 's'} found.`)
  return failed === 0 ? 0 : 1
}

function inspect(flags: Flags, io: CliIo): number {
  let raw = flags.positional[0]
  if (raw === undefined) return usage(io)
  if (raw === '-') raw = io.stdin()
  raw = raw.trim()
  const parsed = parseToken(raw)
  const json = flags.options.get('json') === true
  if (!parsed.ok) {
    const report = { valid: false, code: parsed.code, message: TOKEN_ERRORS[parsed.code], detail: parsed.detail, bytes: raw.length }
    if (json) io.out(JSON.stringify(report, null, 2))
    else io.out(`INVALID ${parsed.code}: ${parsed.message}${parsed.detail ? ` (${parsed.detail})` : ''}\n${raw.length} bytes`)
    return 1
  }
  const report = describe(parsed.value, flags, io.now())
  if (json) io.out(JSON.stringify(report, null, 2))
  else io.out(text(report))
  return report.deviceSignature === 'valid' && report.challengeMac !== 'invalid' ? 0 : 1
}

interface Report {
  bytes: number
  challenge: {
    keyId: string
    nonce: string
    action: string
    origin: string
    issuedAt: string
    expiresAt: string
    expired: boolean
    pow: number
  }
  challengeMac: 'valid' | 'invalid' | 'not checked (no --secret)'
  deviceSignature: 'valid' | 'invalid'
  deviceId: string
  keyStorage: string
  pageOrigin: string
  clientTime: string
  signals: Record<string, unknown>
  behaviour: Record<string, number>
}

function describe(token: ParsedToken, flags: Flags, now: number): Report {
  const c = token.challenge.payload
  const secret = flags.options.get('secret')
  let mac: Report['challengeMac'] = 'not checked (no --secret)'
  if (typeof secret === 'string') {
    const expected = createHmac('sha256', secret).update(token.challenge.signingInput).digest()
    mac = Buffer.from(token.challenge.mac).equals(expected) ? 'valid' : 'invalid'
  }
  const signals: Record<string, unknown> = {}
  for (const [name, result] of Object.entries(token.body.s)) signals[name] = 'v' in result ? result.v : `error: ${result.e}`
  const behaviour: Record<string, number> = {}
  for (const [name, stream] of Object.entries(token.body.b ?? {})) behaviour[name] = stream.length
  return {
    bytes: token.raw.length,
    challenge: {
      keyId: c.kid,
      nonce: c.n,
      action: c.act,
      origin: c.org,
      issuedAt: new Date(c.iat * 1000).toISOString(),
      expiresAt: new Date(c.exp * 1000).toISOString(),
      expired: now / 1000 > c.exp,
      pow: c.pow ?? 0,
    },
    challengeMac: mac,
    deviceSignature: createDeviceVerifier(1)(token) ? 'valid' : 'invalid',
    deviceId: deviceThumbprint(token.body.k),
    keyStorage: token.body.ks,
    pageOrigin: token.body.o,
    clientTime: new Date(token.body.t).toISOString(),
    signals,
    behaviour,
  }
}

function text(r: Report): string {
  const lines = [
    `kt1 token, ${r.bytes} bytes (not trusted: decoded and explained only)`,
    `challenge   action ${r.challenge.action}, origin ${r.challenge.origin}, key ${r.challenge.keyId}, nonce ${r.challenge.nonce}`,
    `            issued ${r.challenge.issuedAt}, expires ${r.challenge.expiresAt}${r.challenge.expired ? ' (EXPIRED)' : ''}${r.challenge.pow ? `, proof of work ${r.challenge.pow} bits` : ''}`,
    `            MAC ${r.challengeMac}`,
    `device      ${r.deviceId} (key in ${r.keyStorage === 'idb' ? 'IndexedDB' : 'page memory only'}), signature ${r.deviceSignature}`,
    `page        ${r.pageOrigin}, client clock ${r.clientTime}`,
    'signals',
    ...Object.entries(r.signals).map(([name, value]) => `  ${name.padEnd(14)}${JSON.stringify(value).slice(0, 120)}`),
  ]
  const streams = Object.entries(r.behaviour)
  if (streams.length > 0) lines.push('behaviour', ...streams.map(([name, n]) => `  ${name.padEnd(14)}${n} integers`))
  return lines.join('\n')
}

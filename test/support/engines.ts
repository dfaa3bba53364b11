// Other browser engines for the e2e tests: Firefox (over WebDriver BiDi, straight over a
// WebSocket) and WebKitGTK (WebKitWebDriver, classic WebDriver over HTTP), plus an X
// server for them when there is no display. Finders look where a developer machine keeps
// them too; each returns undefined when the browser is absent, so a test can skip with
// `NO_FIREFOX` / `NO_WEBKIT` (CI installs both: .ci/run).
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { createServer } from 'node:net'
import WebSocket from 'ws'

function executable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    if (process.platform !== 'win32') accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function find(envNames: string[], names: string[], locations: string[]): string | undefined {
  for (const name of envNames) {
    const fromEnv = process.env[name]
    if (!fromEnv) continue
    if (!existsSync(fromEnv)) throw new Error(`${name}=${fromEnv}: no such file. Point it at the executable, or unset it.`)
    return fromEnv
  }
  const folders = (process.env.PATH ?? '').split(delimiter).filter(Boolean)
  const suffixes = process.platform === 'win32' ? ['.exe', ''] : ['']
  for (const name of names)
    for (const folder of folders) for (const s of suffixes) if (executable(join(folder, name + s))) return join(folder, name + s)
  return locations.find(executable)
}

export const NO_FIREFOX =
  'No Firefox found: skipped. Install one (Debian/Ubuntu: apt-get install firefox-esr), put it on PATH, or set KENCHI_FIREFOX to the executable.'
export const NO_WEBKIT =
  'No WebKitWebDriver found: skipped. Install it (Debian/Ubuntu: apt-get install webkit2gtk-driver), put it on PATH, or set KENCHI_WEBKIT_DRIVER to the executable.'
export const NO_DISPLAY =
  'No display and no Xvfb: skipped. Install Xvfb (Debian/Ubuntu: apt-get install xvfb xauth) or run with DISPLAY set.'

/** Firefox (ESR or release): KENCHI_FIREFOX, then firefox-esr / firefox on PATH, then the usual install locations. */
export function findFirefox(): string | undefined {
  return find(
    ['KENCHI_FIREFOX'],
    ['firefox-esr', 'firefox'],
    [
      '/usr/bin/firefox-esr',
      '/usr/bin/firefox',
      '/usr/lib/firefox-esr/firefox-esr',
      '/snap/bin/firefox',
      '/Applications/Firefox.app/Contents/MacOS/firefox',
      'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
    ],
  )
}

/** WebKitGTK's driver: KENCHI_WEBKIT_DRIVER, then WebKitWebDriver on PATH, then the usual locations. */
export function findWebKitDriver(): string | undefined {
  return find(
    ['KENCHI_WEBKIT_DRIVER'],
    ['WebKitWebDriver'],
    ['/usr/bin/WebKitWebDriver', '/usr/libexec/webkit2gtk-4.1/WebKitWebDriver', '/usr/libexec/webkit2gtk-4.0/WebKitWebDriver'],
  )
}

/** The WebKitGTK browser the driver starts (MiniBrowser ships with libwebkit2gtk), or undefined. */
export function findMiniBrowser(): string | undefined {
  return find(
    ['KENCHI_WEBKIT_BROWSER'],
    [],
    [
      '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
      '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
      '/usr/libexec/webkit2gtk-4.1/MiniBrowser',
      '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser',
      '/usr/libexec/webkit2gtk-4.0/MiniBrowser',
    ],
  )
}

const findXvfb = () => find([], ['Xvfb'], ['/usr/bin/Xvfb'])

/** Whether `startDisplay` can give a display (DISPLAY is set, or Xvfb is installed). */
export function displayAvailable(): boolean {
  return !!process.env.DISPLAY || !!findXvfb()
}

/** A display for headed browsers: `DISPLAY` if set, else a private Xvfb (stop it with `close`); undefined without either. */
export async function startDisplay(): Promise<{ display: string; close: () => Promise<void> } | undefined> {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, close: async () => {} }
  const xvfb = findXvfb()
  if (!xvfb) return undefined
  const child = spawn(xvfb, ['-displayfd', '3', '-screen', '0', '1366x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  })
  const display = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('Xvfb did not start in 10 s')), 10_000)
    ;(child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk) => {
      out += chunk
      if (out.includes('\n')) {
        clearTimeout(timer)
        resolve(`:${out.trim()}`)
      }
    })
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`Xvfb exited with ${code}`))))
  })
  return { display, close: () => stop(child) }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => (clearTimeout(timer), resolve()))
    child.kill('SIGTERM')
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.once('error', reject)
  })
}

/** W3C WebDriver action sources (the same in classic WebDriver and in BiDi). */
export type ActionSource =
  | { type: 'pointer'; id: string; parameters?: { pointerType: 'mouse' | 'touch' | 'pen' }; actions: object[] }
  | { type: 'key'; id: string; actions: object[] }

/** What the login helper needs from a browser, whatever the protocol. */
export interface DrivenBrowser {
  readonly name: string
  goto(url: string): Promise<void>
  /** Evaluates `expression` (an expression, awaited) in the page; returns its JSON-able value. */
  evaluate<T>(expression: string): Promise<T>
  perform(actions: ActionSource[]): Promise<void>
  close(): Promise<void>
}

/**
 * Firefox over WebDriver BiDi: starts it (headed on `display`, in a throwaway profile) with
 * the remote agent on a free port, opens a session and drives the first tab.
 */
export async function launchFirefox(executable: string, display: string | undefined): Promise<DrivenBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'kenchi-firefox-'))
  // A quiet profile on a closed network: no first-run pages, updates, telemetry or safe-browsing lookups.
  writeFileSync(
    join(profile, 'user.js'),
    [
      ['browser.shell.checkDefaultBrowser', false],
      ['browser.startup.homepage_override.mstone', '"ignore"'],
      ['browser.aboutwelcome.enabled', false],
      ['datareporting.policy.dataSubmissionEnabled', false],
      ['toolkit.telemetry.reportingpolicy.firstRun', false],
      ['app.update.disabledForTesting', true],
      ['browser.safebrowsing.malware.enabled', false],
      ['browser.safebrowsing.phishing.enabled', false],
      ['network.captive-portal-service.enabled', false],
      ['network.connectivity-service.enabled', false],
      ['extensions.update.enabled', false],
      ['browser.newtabpage.enabled', false],
    ]
      .map(([k, v]) => `user_pref("${k}", ${v});`)
      .join('\n'),
  )
  const args = [
    '--remote-debugging-port=0',
    '--profile',
    profile,
    '--no-remote',
    '--new-instance',
    ...(display ? [] : ['--headless']),
    'about:blank',
  ]
  const child = spawn(executable, args, {
    env: { ...process.env, ...(display ? { DISPLAY: display } : {}), MOZ_CRASHREPORTER_DISABLE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const cleanup = async () => {
    await stop(child)
    rmSync(profile, { recursive: true, force: true })
  }
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let err = ''
      const timer = setTimeout(() => reject(new Error(`Firefox did not open WebDriver BiDi in 30 s: ${err.slice(-500)}`)), 30_000)
      child.stderr!.on('data', (chunk) => {
        err += chunk
        const m = /WebDriver BiDi listening on (ws:\/\/[^\s]+)/.exec(err)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      })
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`Firefox exited with ${code}: ${err.slice(-500)}`))))
    })
    const bidi = await BiDi.connect(`${wsUrl.replace(/\/$/, '')}/session`)
    await bidi.send('session.new', { capabilities: { alwaysMatch: { acceptInsecureCerts: false } } })
    const tree = await bidi.send<{ contexts: Array<{ context: string }> }>('browsingContext.getTree', {})
    const context = tree.contexts[0]!.context
    return {
      name: 'Firefox',
      async goto(url) {
        await bidi.send('browsingContext.navigate', { context, url, wait: 'complete' })
      },
      async evaluate<T>(expression: string) {
        const r = await bidi.send<{ type: string; result?: { type: string; value?: string }; exceptionDetails?: { text: string } }>(
          'script.evaluate',
          {
            expression: `(async () => JSON.stringify(await (${expression})))()`,
            target: { context },
            awaitPromise: true,
          },
        )
        if (r.type !== 'success') throw new Error(`evaluate failed: ${r.exceptionDetails?.text}`)
        const value = r.result?.value
        return (value === undefined ? undefined : JSON.parse(value)) as T
      },
      async perform(actions) {
        await bidi.send('input.performActions', { context, actions })
      },
      async close() {
        await bidi.send('session.end', {}).catch(() => undefined)
        bidi.close()
        await cleanup()
      },
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

class BiDi {
  private next = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; type: string; result?: unknown; error?: string; message?: string }
      if (msg.id === undefined) return
      const p = this.pending.get(msg.id)
      if (!p) return
      this.pending.delete(msg.id)
      if (msg.type === 'error') p.reject(new Error(`${msg.error}: ${msg.message}`))
      else p.resolve(msg.result)
    })
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('BiDi connection closed'))
      this.pending.clear()
    })
  }

  static connect(url: string): Promise<BiDi> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url)
      ws.once('open', () => resolve(new BiDi(ws)))
      ws.once('error', reject)
    })
  }

  send<T = unknown>(method: string, params: object): Promise<T> {
    const id = this.next++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => (this.pending.delete(id), reject(new Error(`${method}: no answer in 30 s`))), 30_000)
      this.pending.set(id, { resolve: (v) => (clearTimeout(timer), resolve(v as T)), reject: (e) => (clearTimeout(timer), reject(e)) })
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }

  close(): void {
    this.ws.close()
  }
}

/**
 * WebKitGTK over classic WebDriver: starts WebKitWebDriver on a free port and a session
 * with MiniBrowser (headed on `display`).
 */
export async function launchWebKit(driver: string, browser: string | undefined, display: string): Promise<DrivenBrowser> {
  const port = await freePort()
  const child = spawn(driver, [`--port=${port}`], { env: { ...process.env, DISPLAY: display }, stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (chunk) => (err = (err + chunk).slice(-2000)))
  const base = `http://127.0.0.1:${port}`
  const call = async <T>(method: string, path: string, body?: object): Promise<T> => {
    const response = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(60_000),
    })
    const json = (await response.json()) as { value: T & { error?: string; message?: string } }
    if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`)
    return json.value
  }
  try {
    for (let i = 0; ; i++) {
      try {
        await call('GET', '/status')
        break
      } catch (error) {
        if (i > 100 || child.exitCode !== null) throw new Error(`WebKitWebDriver did not start: ${err}`, { cause: error })
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const session = await call<{ sessionId: string }>('POST', '/session', {
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { ...(browser ? { binary: browser } : {}), args: ['--automation'] } } },
    })
    const s = `/session/${session.sessionId}`
    return {
      name: 'WebKit',
      async goto(url) {
        await call('POST', `${s}/url`, { url })
      },
      async evaluate<T>(expression: string) {
        const value = await call<string | null>('POST', `${s}/execute/async`, {
          script: `const done = arguments[arguments.length - 1]; Promise.resolve(${expression}).then((v) => done(JSON.stringify(v)), (e) => done(JSON.stringify({ error: String(e) })))`,
          args: [],
        })
        return (value === null || value === undefined ? undefined : JSON.parse(value)) as T
      },
      async perform(actions) {
        await call('POST', `${s}/actions`, { actions })
      },
      async close() {
        await call('DELETE', s).catch(() => undefined)
        await stop(child)
      },
    }
  } catch (error) {
    await stop(child)
    throw error
  }
}

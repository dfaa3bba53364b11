// `npx @kenchi/server doctor <page url>`: checks a running deployment from the outside, the
// way a browser meets it, and says what is wrong in words. It loads the page, finds the
// script tag, fetches the client files, reads the Content-Security-Policy, asks the
// challenge endpoint for a challenge with the page's origin and a foreign one, and
// compares the challenge's time with its own clock. It only reads: one challenge is issued
// (and never used), nothing else changes on the server.
import { readChallenge } from '@kenchi/protocol'

export type FindingLevel = 'ok' | 'warn' | 'fail'

export interface Finding {
  level: FindingLevel
  /** What was checked: `page`, `script tag`, `script`, `signals file`, `worker`, `csp`, `challenge`, `origins`, `clock`. */
  check: string
  /** One sentence, in words: what was seen and, for a problem, what to change. */
  message: string
}

export interface DoctorOptions {
  /** Base path of the Kenchi endpoints when the page has no script tag (npm mode). Default: the script tag's `data-endpoint`, else `/kenchi`. */
  endpoint?: string
  /** The action to ask a challenge for. Default `login`. */
  action?: string
  /** The page origin to ask the challenge for. Default: the URL's origin. */
  origin?: string
  /** Clock skew tolerated before a warning, seconds. Default 30 (the verifier's default `clockTolerance`). */
  clockTolerance?: number
  /** `fetch` to use (tests). Default the global one. */
  fetch?: typeof fetch
  /** Clock, Unix ms. */
  now?: () => number
  /** Time allowed per request, ms. Default 10 000. */
  timeoutMs?: number
}

const JS_TYPE = /^(text|application)\/(javascript|ecmascript)/i

/** Runs every check against the page at `pageUrl`; resolves the findings in order. Never rejects. */
export async function runDoctor(pageUrl: string, options: DoctorOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = []
  const add = (level: FindingLevel, check: string, message: string) => void findings.push({ level, check, message })
  const doFetch = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const timeout = options.timeoutMs ?? 10_000
  const action = options.action ?? 'login'
  const get = (url: string, init: RequestInit = {}) => doFetch(url, { redirect: 'follow', ...init, signal: AbortSignal.timeout(timeout) })

  let page: URL
  try {
    page = new URL(pageUrl)
    if (page.protocol !== 'http:' && page.protocol !== 'https:') throw new Error('not http(s)')
  } catch {
    add(
      'fail',
      'page',
      `${pageUrl} is not an http(s) URL; give the address of a page with a protected form, e.g. https://shop.example/login`,
    )
    return findings
  }
  const origin = options.origin ?? page.origin

  // 1. The page.
  let html = ''
  let csp: string | undefined
  try {
    const response = await get(page.href)
    html = await response.text()
    const type = response.headers.get('content-type') ?? 'no content type'
    if (!response.ok)
      add('fail', 'page', `${page.href} answered ${response.status}; give the address of a page that loads (the login page, say)`)
    else add('ok', 'page', `${page.href} answered ${response.status} (${type.split(';')[0]})`)
    csp = response.headers.get('content-security-policy') ?? metaCsp(html)
    if (page.protocol === 'http:' && !/^(localhost|127\.|\[::1\])/.test(page.host)) {
      add('warn', 'page', 'the page is served over plain http: browsers give no Web Crypto (no device key) outside https and localhost')
    }
  } catch (error) {
    add('fail', 'page', `${page.href} did not answer (${reason(error)}); is the server running and reachable from here?`)
    return findings
  }

  // 2. The script tag.
  const tag = scriptTag(html)
  let endpoint = options.endpoint
  let scriptUrl: URL | undefined
  if (tag) {
    scriptUrl = new URL(tag.src, page)
    endpoint ??= tag.endpoint ?? '/kenchi'
    const notes = [
      `endpoint ${tag.endpoint ?? '/kenchi (default)'}`,
      tag.integrity ? 'integrity set' : 'no integrity attribute',
      tag.async ? 'async' : 'not async: it delays the page',
    ]
    add(tag.async ? 'ok' : 'warn', 'script tag', `${tag.src} (${notes.join(', ')})`)
    if (!/data-kenchi-action=/.test(html))
      add(
        'warn',
        'script tag',
        'no form on this page has data-kenchi-action="…": the script adds no token to any form here (fine if your own code calls Kenchi.token())',
      )
  } else {
    endpoint ??= '/kenchi'
    add(
      options.endpoint ? 'ok' : 'warn',
      'script tag',
      `no <script src=".../kenchi.min.js"> on the page; ${options.endpoint ? `checking the npm-mode endpoint ${options.endpoint}` : 'for the npm client pass --endpoint; for the script tag add kenchiAdapter.scriptTag() to the page <head>'}`,
    )
  }
  const base = new URL(endpoint.replace(/\/*$/, '/'), page)

  // 3. The client files.
  const files: Array<[string, URL, boolean]> = scriptUrl
    ? [
        ['script', scriptUrl, true],
        ['signals file', new URL('kenchi-signals.min.js', scriptUrl), true],
        ['worker', new URL('kenchi-worker.min.js', scriptUrl), false],
      ]
    : [['worker', new URL('kenchi-worker.min.js', base), false]]
  for (const [check, url, required] of files) {
    try {
      const response = await get(url.href)
      const body = await response.arrayBuffer()
      const type = response.headers.get('content-type') ?? ''
      if (!response.ok) {
        add(
          required ? 'fail' : 'warn',
          check,
          `${url.pathname} answered ${response.status}: serve the folder node_modules/@kenchi/client/dist/ there (the adapters do, unless serveClient: false)${check === 'worker' ? '; without it the worker signal is missing' : ''}`,
        )
      } else if (!JS_TYPE.test(type)) {
        add(
          'fail',
          check,
          `${url.pathname} answered with content type "${type || 'none'}": browsers refuse to run it; serve it as text/javascript`,
        )
      } else {
        add('ok', check, `${url.pathname} answered ${response.status} ${type.split(';')[0]} (${(body.byteLength / 1024).toFixed(1)} KB)`)
      }
    } catch (error) {
      add(required ? 'fail' : 'warn', check, `${url.href} did not answer (${reason(error)})`)
    }
  }

  // 4. Content-Security-Policy.
  const challengeUrl = new URL('challenge', base)
  if (!csp) add('ok', 'csp', 'no Content-Security-Policy on the page (nothing to block the client)')
  else {
    const policy = parseCsp(csp)
    const problems: string[] = []
    const scriptSources = policy.get('script-src') ?? policy.get('default-src')
    if (scriptUrl && scriptSources && !allows(scriptSources, scriptUrl, page))
      problems.push(`script-src does not allow ${scriptUrl.origin} (the client script and its lazily loaded part)`)
    const connect = policy.get('connect-src') ?? policy.get('default-src')
    if (connect && !allows(connect, challengeUrl, page))
      problems.push(`connect-src does not allow ${challengeUrl.origin} (the challenge request)`)
    const workerSources = policy.get('worker-src') ?? policy.get('child-src') ?? policy.get('script-src') ?? policy.get('default-src')
    const workerUrl = new URL('kenchi-worker.min.js', scriptUrl ?? base)
    if (workerSources && !allows(workerSources, workerUrl, page))
      problems.push(`worker-src does not allow ${workerUrl.origin} (the worker signal)`)
    if (problems.length === 0) add('ok', 'csp', 'the Content-Security-Policy allows the script, the challenge request and the worker')
    else for (const problem of problems) add('fail', 'csp', `${problem}: add 'self' (or that origin) to the directive`)
  }

  // 5. The challenge endpoint, for the page's origin and for a foreign one.
  try {
    const started = now()
    const response = await get(challengeUrl.href, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ action }),
    })
    const text = await response.text()
    const answer = safeJson(text) as { challenge?: unknown; error?: unknown } | undefined
    const payload = typeof answer?.challenge === 'string' ? readChallenge(answer.challenge) : undefined
    if (!response.ok || !payload) {
      const code = typeof answer?.error === 'string' ? answer.error : undefined
      add(
        'fail',
        'challenge',
        `${challengeUrl.pathname} refused origin ${origin}, action "${action}": ${response.status}${code ? ` ${code}` : ''}; ${challengeHint(response.status, code, origin)}`,
      )
    } else {
      const problems: string[] = []
      if (payload.org !== origin) problems.push(`it was issued for origin ${payload.org}, not ${origin}`)
      if (payload.act !== action) problems.push(`it was issued for action ${payload.act}, not ${action}`)
      if (!/no-store/.test(response.headers.get('cache-control') ?? ''))
        problems.push('the answer is not cache-control: no-store, so a cache could hand one challenge to many browsers')
      if (problems.length === 0)
        add(
          'ok',
          'challenge',
          `${challengeUrl.pathname} issued a challenge for ${origin}, action "${action}" (lifetime ${payload.exp - payload.iat} s${payload.pow ? `, proof of work ${payload.pow} bits` : ''})`,
        )
      else for (const p of problems) add('fail', 'challenge', `${challengeUrl.pathname}: ${p}`)
      // 6. Clock: the challenge's issue time against this machine's clock.
      const skew = payload.iat - Math.round((started + now()) / 2000)
      const tolerance = options.clockTolerance ?? 30
      if (Math.abs(skew) > tolerance) {
        add(
          'fail',
          'clock',
          `the server's clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} this machine's (more than ${tolerance} s): tokens may read CHALLENGE_NOT_YET_VALID or TOKEN_EXPIRED; sync the clocks (NTP)`,
        )
      } else add('ok', 'clock', `the server's clock is within ${Math.max(1, Math.abs(skew))} s of this machine's`)
    }
  } catch (error) {
    add(
      'fail',
      'challenge',
      `${challengeUrl.href} did not answer (${reason(error)}); mount the adapter's middleware (or your challenge route) at ${endpoint}`,
    )
  }
  try {
    const foreign = 'https://kenchi-doctor.invalid'
    const response = await get(challengeUrl.href, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: foreign },
      body: JSON.stringify({ action }),
    })
    const answer = safeJson(await response.text()) as { challenge?: unknown } | undefined
    if (response.ok && typeof answer?.challenge === 'string') {
      add(
        'warn',
        'origins',
        `the challenge endpoint also issues challenges for a foreign origin (${foreign}): pass the request's Origin header to challenge(), or tokens from other sites' pages could be made`,
      )
    } else add('ok', 'origins', `a foreign origin is refused (${response.status})`)
  } catch {
    // reported above
  }
  return findings
}

/** Findings as text lines, `ok` / `warn` / `FAIL` first. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.level === 'fail' ? 'FAIL' : f.level.padEnd(4)}  ${f.check}: ${f.message}`).join('\n')
}

function challengeHint(status: number, code: string | undefined, origin: string): string {
  if (code === 'CHALLENGE_ORIGIN')
    return `add ${origin} to createVerifier({ origins }) (scheme, host and port exactly as the browser shows them)`
  if (code === 'CHALLENGE_ACTION') return 'the action must be a lower-case word of up to 32 characters'
  if (code === 'ORIGIN_MISSING') return 'the request reached the server without an Origin header: check your proxy forwards it'
  if (status === 404) return 'nothing answers there: mount the adapter middleware (app.use(kenchi.middleware)) or pass --endpoint'
  if (status === 405) return 'the route does not take POST'
  if (status === 429)
    return "this address asked for too many challenges (the adapter's challengeLimit, or your proxy's limit); wait a minute and run again"
  if (status >= 500) return 'the server failed: read its log (is the store reachable?)'
  return 'the endpoint must answer POST {"action"} with {"challenge","expiresAt"} JSON; a hand-written route should answer { error: error.code } when challenge() throws'
}

interface Tag {
  src: string
  endpoint: string | undefined
  integrity: boolean
  async: boolean
}

function scriptTag(html: string): Tag | undefined {
  for (const match of html.matchAll(/<script\b([^>]*)>/gi)) {
    const attrs = match[1]!
    const src = attr(attrs, 'src')
    if (src === undefined || !/(^|\/)kenchi(\.min)?\.js(\?|#|$)/.test(src)) continue
    return {
      src,
      endpoint: attr(attrs, 'data-endpoint'),
      integrity: attr(attrs, 'integrity') !== undefined,
      async: /\s(async|defer)(\s|=|$)/i.test(attrs),
    }
  }
  return undefined
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs)
  return m ? (m[1] ?? m[2] ?? m[3])!.replaceAll('&amp;', '&') : undefined
}

function metaCsp(html: string): string | undefined {
  for (const match of html.matchAll(/<meta\b([^>]*)>/gi)) {
    if ((attr(match[1]!, 'http-equiv') ?? '').toLowerCase() === 'content-security-policy') return attr(match[1]!, 'content')
  }
  return undefined
}

function parseCsp(csp: string): Map<string, string[]> {
  const policy = new Map<string, string[]>()
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name && !policy.has(name.toLowerCase())) policy.set(name.toLowerCase(), sources)
  }
  return policy
}

/** Whether a CSP source list allows loading `url` from `page` (a sufficient reading for the usual policies). */
function allows(sources: readonly string[], url: URL, page: URL): boolean {
  for (const raw of sources) {
    const s = raw.toLowerCase()
    if (s === "'none'") continue
    if (s === '*') return true
    if (s === "'self'" && url.origin === page.origin) return true
    if (s === "'strict-dynamic'" || s.startsWith("'nonce-") || s.startsWith("'sha")) return true // trust flows from the nonce'd tag
    if (s === `${url.protocol}`) return true
    const host = /^(?:(https?):\/\/)?(\*\.)?([^/:]+)(?::(\d+|\*))?/.exec(s)
    if (!host || s.startsWith("'")) continue
    const [, scheme, wildcard, name, port] = host
    if (scheme && `${scheme}:` !== url.protocol) continue
    const hostOk = wildcard ? url.hostname.endsWith(`.${name}`) : url.hostname === name
    const portOk = port === '*' || (port ?? defaultPort(scheme ? `${scheme}:` : url.protocol)) === (url.port || defaultPort(url.protocol))
    if (hostOk && portOk) return true
  }
  return false
}

const defaultPort = (protocol: string) => (protocol === 'https:' ? '443' : '80')

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
}

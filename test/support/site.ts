// A small shop for browser tests: serves the client's dist/ folder under /kenchi/ (as the
// server adapters do), the challenge endpoint, pages and scripts given by the test, and
// POST /verify (form field `kenchi-token` or JSON {token, action}) that calls verify().
// Every response carries a strict CSP: script-src 'self', no inline anything.
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { dirname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createVerifier, memoryStore, type Verdict } from '@kenchi/server'

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'"

const clientDist = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url))

export interface Site {
  url: string
  /** Tokens posted to /verify, newest last. */
  tokens: string[]
  verdicts: Verdict[]
  /** Adds or replaces a file served at `path` (e.g. `/login.html`, `/app.js`). */
  serve(path: string, body: string | Buffer, type?: string): void
  /** Serves a directory's files under a path prefix. */
  serveDir(prefix: string, dir: string): void
  close(): Promise<void>
}

/** The page skeleton every test page uses: the script tag in the head, `body` inside. */
export function page(body: string, head = '<script src="/kenchi/kenchi.min.js" data-endpoint="/kenchi" async></script>'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>test</title>${head}</head><body>${body}</body></html>`
}

export async function startSite(): Promise<Site> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const origin = `http://127.0.0.1:${port}`
  const verifier = await createVerifier({
    keys: [{ id: 't', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins: [origin],
    store: memoryStore(),
  })
  const files = new Map<string, { body: string | Buffer; type: string }>()
  const dirs = new Map<string, string>()
  const tokens: string[] = []
  const verdicts: Verdict[] = []

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch(() => send(res, 500, 'text/plain', 'error'))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin)
    const path = url.pathname
    if (req.method === 'POST' && path === '/kenchi/challenge') {
      const body = JSON.parse((await read(req)) || '{}') as { action?: string }
      return send(res, 200, 'application/json', JSON.stringify(await verifier.challenge({ action: String(body.action), origin })))
    }
    if (req.method === 'POST' && path === '/verify') {
      const text = await read(req)
      const json = (req.headers['content-type'] ?? '').includes('json')
      const { token, action } = json
        ? (JSON.parse(text) as { token: string; action: string })
        : { token: new URLSearchParams(text).get('kenchi-token') ?? '', action: 'login' }
      tokens.push(token)
      const verdict = await verifier.verify(token, { action, ip: '127.0.0.1', userAgent: req.headers['user-agent'], origin })
      verdicts.push(verdict)
      return send(
        res,
        200,
        json ? 'application/json' : 'text/html',
        json ? JSON.stringify(verdict) : `<!doctype html><p id="decision">${verdict.decision}</p>`,
      )
    }
    if (req.method === 'GET' && path.startsWith('/kenchi/')) {
      const file = normalize(path.slice(8))
      if (!/^[\w.-]+$/.test(file)) return send(res, 404, 'text/plain', 'not found')
      try {
        return send(res, 200, file.endsWith('.js') ? 'text/javascript' : 'application/json', await readFile(join(clientDist, file)))
      } catch {
        return send(res, 404, 'text/plain', 'not found')
      }
    }
    const file = files.get(path)
    if (req.method === 'GET' && file) return send(res, 200, file.type, file.body)
    for (const [prefix, dir] of dirs) {
      if (req.method === 'GET' && path.startsWith(prefix) && /^[\w./-]+$/.test(path) && !path.includes('..')) {
        try {
          return send(
            res,
            200,
            path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream',
            await readFile(join(dir, path.slice(prefix.length))),
          )
        } catch {
          // fall through
        }
      }
    }
    return send(res, 404, 'text/plain', 'not found')
  }

  return {
    url: origin,
    tokens,
    verdicts,
    serve(path, body, type) {
      files.set(path, { body, type: type ?? (path.endsWith('.js') ? 'text/javascript' : 'text/html') })
    },
    serveDir(prefix, dir) {
      dirs.set(prefix, dir)
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'content-security-policy': CSP, 'cache-control': 'no-store' })
  res.end(body)
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > 64 * 1024) throw new Error('too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Decodes a token's body (no checks: the verifier does those). */
export function tokenBody(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
}

export const here = (url: string) => dirname(fileURLToPath(url))

// Hono (any runtime with Node's file system for serving the client; verification itself
// needs only the verifier).
//
//   import { honoKenchi } from '@kenchi/server/adapters/hono'
//   const kenchi = honoKenchi(verifier)
//   app.use(kenchi.middleware)                                   // POST /kenchi/challenge, GET /kenchi/kenchi.min.js
//   app.post('/login', async (c) => {
//     const verdict = await kenchi.verify(c, 'login')
//   })
// Type only, for the augmentation at the end: erased from the JavaScript, so the adapter still runs without it.
import type {} from 'hono'
import type { Verdict } from '../verdict.js'
import type { Verifier } from '../verifier.js'
import {
  adapterBase,
  challengeResponse,
  MAX_CHALLENGE_BODY,
  tokenFrom,
  TOKEN_HEADER,
  type AdapterOptions,
  type ExtraContext,
  type PlainResponse,
} from './core.js'

/** The context fields the adapter reads; Hono's `c` has them all. */
export interface HonoContextLike {
  req: {
    raw: Request
    header(name: string): string | undefined
    parseBody(): Promise<Record<string, unknown>>
    json(): Promise<unknown>
  }
  env?: unknown
}

export interface HonoOptions extends AdapterOptions {
  /** Client IP for a request. Default: the socket address under `@hono/node-server`, else none. */
  getIp?: (c: HonoContextLike) => string | undefined
}

export interface HonoKenchi {
  /** Serves `POST <endpoint>/challenge` and, unless `serveClient: false`, `GET <endpoint>/<client file>`. */
  middleware(c: HonoContextLike, next: () => Promise<void>): Promise<Response | void>
  /** Verifies the token in this request (form or JSON field `kenchi-token`, or the `x-kenchi-token` header). Never throws. */
  verify(c: HonoContextLike, action: string, extra?: ExtraContext): Promise<Verdict>
  /**
   * Route middleware: verifies, stores the verdict as the context variable `kenchi`
   * (`c.get('kenchi')`), then calls `next()`. `extra(c)` gives the rest of the context
   * (`loginId`, `userId`...) and may be async (`await c.req.parseBody()` is cached by Hono).
   */
  guard(
    action: string,
    extra?: (c: HonoContextLike) => ExtraContext | Promise<ExtraContext>,
  ): (c: HonoContextLike, next: () => Promise<void>) => Promise<void>
  /** The `<script>` tag for the client, versioned and with its integrity hash. */
  scriptTag(file?: string): string
}

/** Builds the Hono integration for a verifier. */
export function honoKenchi(verifier: Verifier, options: HonoOptions = {}): HonoKenchi {
  const { resolved, clientAssets, scriptTag } = adapterBase(options)
  const getIp = options.getIp ?? nodeServerIp
  const toResponse = (r: PlainResponse) =>
    new Response(r.status === 304 ? null : typeof r.body === 'string' ? r.body : new Uint8Array(r.body), {
      status: r.status,
      headers: r.headers,
    })

  async function body(c: HonoContextLike): Promise<unknown> {
    const type = c.req.header('content-type') ?? ''
    try {
      if (type.includes('application/json')) return await c.req.json()
      if (type.includes('form')) return await c.req.parseBody()
    } catch {
      return undefined
    }
    return undefined
  }

  return {
    async middleware(c, next) {
      const url = new URL(c.req.raw.url)
      if (!url.pathname.startsWith(resolved.endpoint + '/')) return next()
      const rest = url.pathname.slice(resolved.endpoint.length + 1)
      const method = c.req.raw.method
      if (rest === 'challenge' && method === 'POST') {
        const text = await boundedText(c.req.raw, MAX_CHALLENGE_BODY)
        let parsed: unknown
        try {
          parsed = text === undefined ? undefined : JSON.parse(text)
        } catch {
          parsed = undefined
        }
        return toResponse(await challengeResponse(verifier, parsed, c.req.header('origin'), resolved, getIp(c)))
      }
      if (resolved.serveClient && (method === 'GET' || method === 'HEAD')) {
        const response = clientAssets().respond(rest, c.req.header('if-none-match'), url.searchParams.get('v') ?? undefined)
        if (response) return toResponse(method === 'HEAD' ? { ...response, body: '' } : response)
      }
      return next()
    },
    verify,
    guard(action, extra) {
      return async (c, next) => {
        const verdict = await verify(c, action, extra ? await extra(c) : {})
        ;(c as unknown as { set(key: string, value: unknown): void }).set('kenchi', verdict)
        await next()
      }
    },
    scriptTag,
  }

  async function verify(c: HonoContextLike, action: string, extra: ExtraContext = {}): Promise<Verdict> {
    const headers: Record<string, string> = {}
    c.req.raw.headers.forEach((value, name) => (headers[name] = value))
    const ip = getIp(c)
    return verifier.verify(tokenFrom(await body(c), headers[TOKEN_HEADER]), {
      ...(ip !== undefined ? { ip } : {}),
      headers,
      ...extra,
      action,
    })
  }
}

// `c.get('kenchi')` typed on Hono's context, once this module is imported.
declare module 'hono' {
  interface ContextVariableMap {
    /** The verdict `honoKenchi(...).guard(action)` stored; undefined on routes without the guard. */
    kenchi?: Verdict
  }
}

function nodeServerIp(c: HonoContextLike): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress
}

/**
 * Reads a request body as text, stopping (and cancelling the stream) once it is longer than
 * `max` bytes: a larger body is never buffered whole. Answers `undefined` past `max`.
 */
async function boundedText(request: Request, max: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length'))
  if (declared > max) return undefined
  if (!request.body) return ''
  const reader = request.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    text += decoder.decode(value, { stream: true })
  }
}

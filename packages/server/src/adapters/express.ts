// Express (4 and 5) and anything with Node's (req, res, next) middleware shape.
//
//   import { expressKenchi } from '@kenchi/server/adapters/express'
//   const kenchi = expressKenchi(verifier)
//   app.use(kenchi.middleware)                                   // POST /kenchi/challenge, GET /kenchi/kenchi.min.js
//   app.post('/login', express.urlencoded({ extended: false }), kenchi.guard('login'), (req, res) => {
//     if (req.kenchi.decision === 'deny') ...
//   })
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Verdict } from '../verdict.js'
import type { Verifier } from '../verifier.js'
import {
  adapterBase,
  challengeResponse,
  readSmallJson,
  tokenFrom,
  TOKEN_HEADER,
  type AdapterOptions,
  type ExtraContext,
  type PlainResponse,
} from './core.js'

/** The request fields the adapter reads; Express's `req` has them all. */
export interface ExpressRequest extends IncomingMessage {
  body?: unknown
  ip?: string
  originalUrl?: string
  kenchi?: Verdict
}

type Next = (error?: unknown) => void

export interface ExpressKenchi {
  /** Serves `POST <endpoint>/challenge` and, unless `serveClient: false`, `GET <endpoint>/<client file>`. */
  middleware(req: ExpressRequest, res: ServerResponse, next: Next): void
  /** Verifies the token in this request (`kenchi-token` body field or `x-kenchi-token` header). Never throws. */
  verify(req: ExpressRequest, action: string, extra?: ExtraContext): Promise<Verdict>
  /**
   * Route middleware: verifies, puts the verdict on `req.kenchi` and `res.locals.kenchi`, calls `next()`. Parse the body first.
   * `extra` adds context per request and may be async (look the account up, check the
   * password: decision 0007); if it throws or rejects, the error goes to `next(error)`.
   */
  guard(
    action: string,
    extra?: (req: ExpressRequest) => ExtraContext | Promise<ExtraContext>,
  ): (req: ExpressRequest, res: ServerResponse & { locals?: Record<string, unknown> }, next: Next) => void
  /** The `<script>` tag for the client, versioned and with its integrity hash. */
  scriptTag(file?: string): string
}

/** Builds the Express integration for a verifier. */
export function expressKenchi(verifier: Verifier, options: AdapterOptions = {}): ExpressKenchi {
  const { resolved, clientAssets, scriptTag } = adapterBase(options)

  function send(res: ServerResponse, response: PlainResponse): void {
    res.writeHead(response.status, response.headers)
    res.end(response.body)
  }

  async function handle(req: ExpressRequest, res: ServerResponse, next: Next): Promise<void> {
    const url = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost')
    if (!url.pathname.startsWith(resolved.endpoint + '/')) return next()
    const rest = url.pathname.slice(resolved.endpoint.length + 1)
    if (rest === 'challenge' && req.method === 'POST') {
      // The address is read before the body: an oversized body is left unread, and a socket
      // closed by the client would take the address with it.
      const ip = req.ip ?? req.socket?.remoteAddress
      const body = req.body !== undefined && typeof req.body === 'object' ? req.body : await readSmallJson(req)
      return send(res, await challengeResponse(verifier, body, header(req, 'origin'), resolved, ip))
    }
    if (resolved.serveClient && (req.method === 'GET' || req.method === 'HEAD')) {
      const response = clientAssets().respond(rest, header(req, 'if-none-match'), url.searchParams.get('v') ?? undefined)
      if (response) return send(res, req.method === 'HEAD' ? { ...response, body: '' } : response)
    }
    next()
  }

  function verify(req: ExpressRequest, action: string, extra: ExtraContext = {}): Promise<Verdict> {
    const ip = req.ip ?? req.socket?.remoteAddress
    return verifier.verify(tokenFrom(req.body, req.headers[TOKEN_HEADER]), {
      ...(ip !== undefined ? { ip } : {}),
      headers: req.headers,
      ...extra,
      action,
    })
  }

  return {
    middleware(req, res, next) {
      handle(req, res, next).catch(next)
    },
    verify,
    guard(action, extra) {
      return (req, res, next) => {
        Promise.resolve()
          .then(() => extra?.(req))
          .then((context) => verify(req, action, context))
          .then((verdict) => {
            req.kenchi = verdict
            if (res.locals) res.locals.kenchi = verdict
            next()
          }, next)
      }
    },
    scriptTag,
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

// `req.kenchi` and `res.locals.kenchi` on Express's own types (@types/express), once this
// module is imported.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verdict `expressKenchi(...).guard(action)` put on the request; undefined on routes without the guard. */
      kenchi?: Verdict
    }
    interface Locals {
      /** The verdict `expressKenchi(...).guard(action)` put here, for templates. */
      kenchi?: Verdict
    }
  }
}

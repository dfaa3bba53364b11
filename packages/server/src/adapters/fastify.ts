// Fastify 4 and 5.
//
//   import { fastifyKenchi } from '@kenchi/server/adapters/fastify'
//   const kenchi = fastifyKenchi(verifier)
//   await app.register(kenchi.plugin)                            // POST /kenchi/challenge, GET /kenchi/kenchi.min.js
//   app.post('/login', async (request, reply) => {
//     const verdict = await kenchi.verify(request, 'login')
//   })
// Type only, for the augmentation at the end: erased from the JavaScript, so the adapter still runs without it.
import type {} from 'fastify'
import type { Verdict } from '../verdict.js'
import type { Verifier } from '../verifier.js'
import {
  adapterBase,
  challengeResponse,
  tokenFrom,
  TOKEN_HEADER,
  type AdapterOptions,
  type ExtraContext,
  type PlainResponse,
} from './core.js'

/** The request fields the adapter reads; Fastify's `request` has them all. */
export interface FastifyRequestLike {
  body?: unknown
  ip?: string
  headers: Record<string, string | string[] | undefined>
  query?: unknown
  params?: unknown
  /** The verdict `guard(action)` put here. */
  kenchi?: Verdict
}

/** The reply methods the adapter uses; Fastify's `reply` has them all. */
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike
  headers(values: Record<string, string>): FastifyReplyLike
  send(body?: unknown): FastifyReplyLike
}

type Handler = (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<FastifyReplyLike>

/** The part of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  post(path: string, options: { bodyLimit?: number }, handler: Handler): unknown
  get(path: string, handler: Handler): unknown
}

export interface FastifyKenchi {
  /** Registers `POST <endpoint>/challenge` and, unless `serveClient: false`, `GET <endpoint>/:file`. */
  plugin(fastify: FastifyInstanceLike): Promise<void>
  /** Verifies the token in this request (`kenchi-token` body field or `x-kenchi-token` header). Never throws. */
  verify(request: FastifyRequestLike, action: string, extra?: ExtraContext): Promise<Verdict>
  /**
   * A `preHandler` hook: verifies, puts the verdict on `request.kenchi`, then the route runs.
   * `extra(request)` gives the rest of the context (`loginId`, `userId`...) and may be async.
   * Never throws for a bad token; a rejecting `extra` fails the request like any hook.
   */
  guard(
    action: string,
    extra?: (request: FastifyRequestLike) => ExtraContext | Promise<ExtraContext>,
  ): (request: FastifyRequestLike) => Promise<void>
  /** The `<script>` tag for the client, versioned and with its integrity hash. */
  scriptTag(file?: string): string
}

/** Builds the Fastify integration for a verifier. */
export function fastifyKenchi(verifier: Verifier, options: AdapterOptions = {}): FastifyKenchi {
  const { resolved, clientAssets, scriptTag } = adapterBase(options)
  const send = (reply: FastifyReplyLike, r: PlainResponse) => reply.code(r.status).headers(r.headers).send(r.body)
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)

  return {
    async plugin(fastify) {
      fastify.post(`${resolved.endpoint}/challenge`, { bodyLimit: 1024 }, async (request, reply) =>
        send(reply, await challengeResponse(verifier, request.body, first(request.headers.origin), resolved, request.ip)),
      )
      if (resolved.serveClient) {
        fastify.get(`${resolved.endpoint}/:file`, async (request, reply) => {
          const file = String((request.params as { file?: unknown } | undefined)?.file ?? '')
          const v = (request.query as { v?: unknown } | undefined)?.v
          const response = clientAssets().respond(file, first(request.headers['if-none-match']), typeof v === 'string' ? v : undefined)
          return response ? send(reply, response) : reply.code(404).send()
        })
      }
    },
    verify,
    guard(action, extra) {
      return async (request) => {
        request.kenchi = await verify(request, action, extra ? await extra(request) : {})
      }
    },
    scriptTag,
  }

  function verify(request: FastifyRequestLike, action: string, extra: ExtraContext = {}): Promise<Verdict> {
    return verifier.verify(tokenFrom(request.body, request.headers[TOKEN_HEADER]), {
      ...(request.ip !== undefined ? { ip: request.ip } : {}),
      headers: request.headers,
      ...extra,
      action,
    })
  }
}

// `request.kenchi` on Fastify's own request type, once this module is imported.
declare module 'fastify' {
  interface FastifyRequest {
    /** The verdict `fastifyKenchi(...).guard(action)` put on the request; undefined on routes without the guard. */
    kenchi?: Verdict
  }
}

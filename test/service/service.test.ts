// The verification service over real HTTP: configuration errors that name the field, the
// public challenge endpoint with CORS per site, /v1/verify, outcome, label and step-up with
// per-site API secrets (two active for rotation), the OpenAPI description checked against
// every documented operation, health, readiness, metrics, logs without personal data, and
// hostile input on every endpoint.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type Service } from '../../packages/server/src/service/index.js'
import { resolveConfig } from '../../packages/server/src/service/config.js'
import { createLogger } from '../../packages/server/src/service/logging.js'
import type { CodeMessage } from '../../packages/server/src/stepup/sender.js'
import {
  clientDir,
  OTHER_ORIGIN,
  openapi,
  parseMetrics,
  post,
  responseSchema,
  sample,
  SECRETS,
  SHOP_ORIGIN,
  tokenFrom,
  twoSiteConfig,
  validate,
} from './support.js'

describe('configuration', () => {
  const base = () => twoSiteConfig() as any
  const error = (edit: (c: any) => void, env: NodeJS.ProcessEnv = {}) => {
    const c = base()
    edit(c)
    try {
      resolveConfig(c, env)
    } catch (e) {
      return (e as Error).message
    }
    return 'no error'
  }

  it('names the field that is wrong', () => {
    expect(error((c) => (c.sites[0].origins[1] = 'http://shop.example'))).toMatch(/^sites\[0\]\.origins\[1\]: must be an https origin/)
    expect(error((c) => (c.sites[0].origins[0] = 'https://shop.example/login'))).toMatch(/^sites\[0\]\.origins\[0\]:/)
    expect(error((c) => (c.sites[1].keys[0].secret = 'short'))).toBe('sites[1].keys[0].secret: must be at least 32 bytes')
    expect(error((c) => (c.sites[1].id = 'Shop!'))).toMatch(/^sites\[1\]\.id:/)
    expect(error((c) => (c.sites[1].id = 'shop'))).toMatch(/^sites\[1\]\.id: duplicate/)
    expect(error((c) => (c.sites[0].apiSecrets[0].sha256 = 'xyz'))).toMatch(/^sites\[0\]\.apiSecrets\[0\]\.sha256:/)
    expect(error((c) => (c.sites[1].apiSecrets[0] = { id: 'dup', secret: SECRETS.shopNext }))).toMatch(
      /^sites\[1\]\.apiSecrets\[0\]: the same secret is already used by sites\[0\]\.apiSecrets\[1\]/,
    )
    expect(error((c) => (c.listen.port = 70000))).toMatch(/^listen\.port:/)
    expect(error((c) => (c.store = { type: 'sqlite', path: '/tmp/k.db' }))).toMatch(/^store\.path: must contain \{site\}/)
    expect(error((c) => (c.sites[0].colour = 'blue'))).toMatch(/^sites\[0\]\.colour: unknown field/)
    expect(error((c) => (c.sites = []))).toMatch(/^sites:/)
  })

  it('accepts examples/service/kenchi.config.json with its environment', async () => {
    const { loadConfigFile } = await import('../../packages/server/src/service/config.js')
    const file = new URL('../../examples/service/kenchi.config.json', import.meta.url).pathname
    const secret = 'an example secret of at least 32 bytes, 0123'
    const env = {
      KENCHI_REDIS_URL: 'redis://127.0.0.1:6379',
      KENCHI_SHOP_SECRET: secret,
      KENCHI_SHOP_HASH_SECRET: secret + 'h',
      KENCHI_SHOP_API_SECRET: secret + 'a',
      KENCHI_SHOP_STEP_UP_SECRET: secret + 's',
      SMTP_URL: 'smtp://mail.example:587',
    }
    expect(loadConfigFile(file, env).sites.map((s) => s.id)).toEqual(['shop'])
    expect(loadConfigFile(file, env).sites[0]!.retention).toEqual({ eventMs: 90 * 86_400_000, deviceMs: 400 * 86_400_000 })
    expect(() => loadConfigFile(file, { ...env, KENCHI_SHOP_HASH_SECRET: '' })).toThrow(
      'sites[0].hashSecret: environment variable KENCHI_SHOP_HASH_SECRET is not set',
    )
  })

  it('reads secrets from the environment and from files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-service-'))
    writeFileSync(join(dir, 'hash'), 'a hash secret from a file, 32 bytes or more\n')
    const c = base()
    c.sites[1].keys[0].secret = { env: 'OTHER_KEY' }
    c.sites[1].hashSecret = { file: join(dir, 'hash') }
    const resolved = resolveConfig(c, { OTHER_KEY: 'a challenge key from the environment, 32+' })
    expect(resolved.sites[1]!.keys[0]!.secret).toBe('a challenge key from the environment, 32+')
    expect(resolved.sites[1]!.hashSecret).toBe('a hash secret from a file, 32 bytes or more')
    expect(error((x) => (x.sites[1].hashSecret = { env: 'MISSING' }))).toBe('sites[1].hashSecret: environment variable MISSING is not set')
    expect(error((x) => (x.sites[1].hashSecret = { file: join(dir, 'nope') }))).toBe(
      `sites[1].hashSecret: cannot read ${join(dir, 'nope')} (ENOENT)`,
    )
    // API secrets given in clear are kept only as hashes
    expect(JSON.stringify(resolved)).not.toContain(SECRETS.shopNext)
  })
})

describe('the service over HTTP', () => {
  let service: Service
  let url: string
  const codes: CodeMessage[] = []
  const logLines: string[] = []

  beforeAll(async () => {
    const config = twoSiteConfig() as any
    config.sites[0].stepUp.passkey = { rpId: 'shop.example', rpName: 'Shop' }
    service = await createService({
      config,
      clientDir,
      logger: await createLogger('debug', (line) => logLines.push(line)),
      stepUpSenders: { shop: { channel: 'email', send: async (m) => void codes.push(m) } },
      mounts: { '/console': (_req, res) => void res.end('console here') },
    })
    url = (await service.listen({ port: 0 })).url
  })
  afterAll(async () => {
    await service?.close()
  })

  const verify = (token: string | undefined, context: Record<string, unknown>, secret = SECRETS.shop) =>
    post(url, '/v1/verify', { token, context }, secret)

  it('logs a customer in: challenge with CORS, verify, outcome and label', async () => {
    const preflight = await fetch(`${url}/s/shop/challenge`, {
      method: 'OPTIONS',
      headers: { origin: SHOP_ORIGIN, 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN)
    const challenge = await fetch(`${url}/s/shop/challenge`, {
      method: 'POST',
      headers: { origin: SHOP_ORIGIN, 'content-type': 'application/json' },
      body: '{"action":"login"}',
    })
    expect(challenge.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN)
    const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
    const { status, body } = await verify(token, {
      action: 'login',
      ip: '203.0.113.9',
      loginId: 'hanako@example.jp',
      userAgent: 'Mozilla/5.0',
    })
    expect(status).toBe(200)
    expect(body).toMatchObject({ success: true, site: 'shop', decision: 'allow', reasons: [{ code: 'TEST_MODE' }] })
    expect((await post(url, '/v1/outcome', { eventId: body.eventId, outcome: 'login_succeeded' }, SECRETS.shop)).body).toEqual({
      ok: true,
      status: 'recorded',
    })
    // the same report replayed is refused and not stored twice
    expect((await post(url, '/v1/outcome', { eventId: body.eventId, outcome: 'login_succeeded' }, SECRETS.shop)).body.error).toBe(
      'duplicate_report',
    )
    expect(
      (await post(url, '/v1/label', { eventId: body.eventId, label: 'legit', comment: 'known customer' }, SECRETS.shopNext)).body,
    ).toEqual({ ok: true, status: 'recorded' })
    const event = await service.sites.get('shop')!.store.getEvent(body.eventId)
    expect(event?.label?.label).toBe('legit')
    expect(event?.outcomes?.map((o) => o.outcome)).toEqual(['login_succeeded'])
  })

  it('serves the client files, and refuses challenges for origins of another site', async () => {
    const file = await fetch(`${url}/s/shop/kenchi.min.js`)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toMatch(/javascript/)
    const foreign = await fetch(`${url}/s/shop/challenge`, {
      method: 'POST',
      headers: { origin: OTHER_ORIGIN, 'content-type': 'application/json' },
      body: '{"action":"login"}',
    })
    expect(foreign.status).toBe(403)
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    expect((await fetch(`${url}/s/shop/challenge`, { method: 'OPTIONS', headers: { origin: OTHER_ORIGIN } })).status).toBe(403)
    expect((await fetch(`${url}/s/nosuch/challenge`, { method: 'POST', headers: { origin: SHOP_ORIGIN }, body: '{}' })).status).toBe(404)
    expect((await fetch(`${url}/s/shop/../../etc/passwd`)).status).toBe(404)
    // hostile challenge requests: malformed JSON, an oversized body, a bad action, no Origin
    const challenge = (body: string, headers: Record<string, string> = { origin: SHOP_ORIGIN }) =>
      fetch(`${url}/s/shop/challenge`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    expect(await (await challenge('{"action":')).json()).toEqual({ error: 'BODY_INVALID' })
    const big = await challenge(JSON.stringify({ action: 'login', pad: 'x'.repeat(5000) }))
    expect([big.status, (await big.json()).error]).toEqual([413, 'body_too_large'])
    expect(await (await challenge('{"action":"DROP TABLE"}')).json()).toEqual({ error: 'CHALLENGE_ACTION' })
    expect(await (await challenge('{"action":"login"}', {})).json()).toEqual({ error: 'ORIGIN_MISSING' })
    expect((await fetch(`${url}/s/shop/challenge`)).status).toBe(405)
  })

  it('runs step-up by code for a challenge verdict', async () => {
    const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
    const { body: verdict } = await verify(token, { action: 'login', loginId: 'challenge@kenchi.test' })
    expect(verdict.decision).toBe('challenge')
    const started = await post(
      url,
      '/v1/stepup/start',
      { eventId: verdict.eventId, loginId: 'challenge@kenchi.test', to: 'challenge@kenchi.test' },
      SECRETS.shop,
    )
    expect(started.body).toMatchObject({ ok: true, channel: 'email' })
    await service.sites.get('shop')!.stepUp!.flush()
    const code = codes.at(-1)!.code
    expect(
      (
        await post(
          url,
          '/v1/stepup/check',
          { eventId: verdict.eventId, loginId: 'challenge@kenchi.test', code: code === '000000' ? '111111' : '000000' },
          SECRETS.shop,
        )
      ).body,
    ).toMatchObject({ ok: false, code: 'STEP_UP_WRONG_CODE' })
    expect(
      (await post(url, '/v1/stepup/check', { eventId: verdict.eventId, loginId: 'challenge@kenchi.test', code }, SECRETS.shop)).body,
    ).toEqual({ ok: true })
    expect((await post(url, '/v1/stepup/start', { eventId: 'x', loginId: 'a', to: 'a@b.example' }, SECRETS.other)).body.error).toBe(
      'stepup_not_configured',
    )
  })

  it('confirms an address by link and by code, each once', async () => {
    const sent = await post(url, '/v1/confirm/send', { purpose: 'registration', ref: 'reg-1', to: 'new@example.jp' }, SECRETS.shop)
    expect(sent.body).toMatchObject({ ok: true, expiresAt: expect.any(Number) })
    await service.sites.get('shop')!.confirmations!.flush()
    const message = codes.at(-1)!
    const link = new URL(message.link!).searchParams.get('token')!
    expect((await post(url, '/v1/confirm/link', { token: link, purpose: 'registration' }, SECRETS.shop)).body).toEqual({
      ok: true,
      purpose: 'registration',
      ref: 'reg-1',
    })
    expect((await post(url, '/v1/confirm/link', { token: link }, SECRETS.shop)).body.ok).toBe(false)
    await post(url, '/v1/confirm/send', { purpose: 'newsletter', ref: 'nl-1', to: 'nl@example.jp' }, SECRETS.shop)
    await service.sites.get('shop')!.confirmations!.flush()
    expect(
      (await post(url, '/v1/confirm/code', { purpose: 'newsletter', ref: 'nl-1', code: codes.at(-1)!.code }, SECRETS.shop)).body,
    ).toEqual({ ok: true, purpose: 'newsletter', ref: 'nl-1' })
    expect((await post(url, '/v1/confirm/code', { purpose: 'x', ref: 'r', code: '1' }, SECRETS.other)).body.error).toBe(
      'confirm_not_configured',
    )
  })

  it('answers every operation in docs/openapi.json with a documented status and shape', async () => {
    const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
    const verdict = (await verify(await tokenFrom(url, 'shop', SHOP_ORIGIN), { action: 'login', loginId: 'challenge@kenchi.test' })).body
    const calls: Record<string, () => Promise<Response>> = {
      'get /healthz': () => fetch(`${url}/healthz`),
      'get /readyz': () => fetch(`${url}/readyz`),
      'get /metrics': () => fetch(`${url}/metrics`),
      'post /s/{site}/challenge': () =>
        fetch(`${url}/s/shop/challenge`, {
          method: 'POST',
          headers: { origin: SHOP_ORIGIN, 'content-type': 'application/json' },
          body: '{"action":"login"}',
        }),
      'options /s/{site}/challenge': () => fetch(`${url}/s/shop/challenge`, { method: 'OPTIONS', headers: { origin: SHOP_ORIGIN } }),
      'get /s/{site}/{file}': () => fetch(`${url}/s/shop/kenchi.min.js`),
      'post /v1/verify': () =>
        fetch(`${url}/v1/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ token, context: { action: 'login', loginId: 'a@example.jp' } }),
        }),
      'post /v1/outcome': () =>
        fetch(`${url}/v1/outcome`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ secret: SECRETS.shop, eventId: verdict.eventId, outcome: 'challenge_passed' }),
        }),
      'post /v1/label': () =>
        fetch(`${url}/v1/label`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ eventId: verdict.eventId, label: 'fraud' }),
        }),
      'post /v1/stepup/start': () =>
        fetch(`${url}/v1/stepup/start`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ eventId: verdict.eventId, loginId: 'challenge@kenchi.test', to: 'c@kenchi.test' }),
        }),
      'post /v1/confirm/send': () =>
        fetch(`${url}/v1/confirm/send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ purpose: 'registration', ref: 'reg-openapi', to: 'r@example.jp' }),
        }),
      'post /v1/confirm/link': () =>
        fetch(`${url}/v1/confirm/link`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ token: 'not-a-link-token' }),
        }),
      'post /v1/confirm/code': () =>
        fetch(`${url}/v1/confirm/code`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ purpose: 'registration', ref: 'reg-openapi', code: '1' }),
        }),
      'post /v1/stepup/check': () =>
        fetch(`${url}/v1/stepup/check`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ eventId: verdict.eventId, loginId: 'challenge@kenchi.test', code: '12' }),
        }),
      'post /v1/stepup/totp': () =>
        fetch(`${url}/v1/stepup/totp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ eventId: verdict.eventId, loginId: 'challenge@kenchi.test', code: '123456', totpSecret: null }),
        }),
      'post /v1/stepup/passkey/options': () =>
        fetch(`${url}/v1/stepup/passkey/options`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({
            eventId: verdict.eventId,
            loginId: 'challenge@kenchi.test',
            credentials: [{ id: 'AAAAAAAAAAAAAAAAAAAAAA', transports: ['internal'] }],
          }),
        }),
      'post /v1/privacy/export': () =>
        fetch(`${url}/v1/privacy/export`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ loginId: 'challenge@kenchi.test' }),
        }),
      'post /v1/privacy/erase': () =>
        fetch(`${url}/v1/privacy/erase`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({ loginId: 'nobody@kenchi.test', keepFraud: true }),
        }),
      'post /v1/stepup/passkey/check': () =>
        fetch(`${url}/v1/stepup/passkey/check`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.shop}` },
          body: JSON.stringify({
            eventId: verdict.eventId,
            loginId: 'challenge@kenchi.test',
            response: { id: 'x', response: {} },
            credential: null,
          }),
        }),
    }
    const documented = Object.entries(openapi.paths).flatMap(([path, item]: [string, any]) =>
      Object.keys(item)
        .filter((m) => m !== 'parameters')
        .map((m) => `${m} ${path}`),
    )
    expect(Object.keys(calls).sort()).toEqual(documented.sort())
    for (const [operation, call] of Object.entries(calls)) {
      const [method, path] = operation.split(' ') as [string, string]
      const res = await call()
      const { documented: known, schema } = responseSchema(path, method, res.status)
      expect(known, `${operation} answered ${res.status}, not documented`).toBe(true)
      expect(res.status, operation).toBeLessThan(300)
      if (schema && (res.headers.get('content-type') ?? '').includes('json'))
        expect(validate(schema, await res.json()), operation).toEqual([])
    }
    // and the documented error shape, on each /v1 operation
    for (const path of Object.keys(openapi.paths).filter((p) => p.startsWith('/v1/'))) {
      const res = await post(url, path, '{not json', SECRETS.shop)
      expect(res.status).toBe(400)
      expect(validate(responseSchema(path, 'post', 400).schema, res.body)).toEqual([])
    }
  })

  it('refuses hostile input on every /v1 endpoint with a clear code, storing nothing', async () => {
    const store = service.sites.get('shop')!.store
    const before = (await store.listEvents({ limit: 1000 })).length
    const endpoints = [
      '/v1/verify',
      '/v1/outcome',
      '/v1/label',
      '/v1/stepup/start',
      '/v1/stepup/check',
      '/v1/stepup/totp',
      '/v1/stepup/passkey/options',
      '/v1/stepup/passkey/check',
      '/v1/confirm/send',
      '/v1/confirm/link',
      '/v1/confirm/code',
    ]
    const good: Record<string, unknown> = {
      token: 'x',
      context: { action: 'login' },
      eventId: 'e',
      outcome: 'login_failed',
      label: 'fraud',
      loginId: 'a',
      to: 'a@b.example',
      code: '123456',
      purpose: 'registration',
      ref: 'r',
    }
    for (const path of endpoints) {
      expect((await post(url, path, '{"context": {', SECRETS.shop)).body.error, path).toBe('invalid_json')
      expect((await post(url, path, JSON.stringify({ ...good, pad: 'x'.repeat(70_000) }), SECRETS.shop)).status, path).toBe(413)
      expect((await post(url, path, good, 'wrong-secret-0123456789abcdefgh')).body.error, path).toBe('unauthorized')
      expect((await post(url, path, good)).body.error, path).toBe('unauthorized')
      expect((await post(url, path, good, 'x'.repeat(10_000))).body.error, path).toBe('unauthorized')
      expect((await post(url, path, good, SECRETS.shop, { 'content-type': 'text/plain' })).body.error, path).toBe('unsupported_media_type')
      expect((await post(url, path, '[1,2]', SECRETS.shop)).body.error, path).toBe('invalid_request')
      expect((await post(url, path, 'null', SECRETS.shop)).body.error, path).toBe('invalid_request')
      expect((await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${SECRETS.shop}` } })).status, path).toBe(405)
    }
    expect((await post(url, '/v1/verify', { token: 'x', context: { action: 5 } }, SECRETS.shop)).body).toMatchObject({
      error: 'invalid_request',
      message: 'context.action: must be a string of at most 32 characters',
    })
    expect((await post(url, '/v1/verify', { token: 'x', context: { action: 'login', ip: {} } }, SECRETS.shop)).body.error).toBe(
      'invalid_request',
    )
    expect(
      (await post(url, '/v1/verify', { token: 'x', context: { action: 'login', __proto__: 1, evil: 1 } }, SECRETS.shop)).body.error,
    ).toBe('invalid_request')
    expect((await post(url, '/v1/verify', { token: 42, context: { action: 'login' } }, SECRETS.shop)).body.error).toBe('invalid_request')
    expect((await post(url, '/v1/outcome', { eventId: 'nope', outcome: 'login_succeeded' }, SECRETS.shop)).body.error).toBe('event_unknown')
    expect((await post(url, '/v1/outcome', { eventId: 'nope', outcome: 'hacked' }, SECRETS.shop)).body.error).toBe('invalid_request')
    expect((await post(url, '/v1/label', { eventId: 'nope', label: 'legit', comment: 'x'.repeat(501) }, SECRETS.shop)).body.error).toBe(
      'invalid_request',
    )
    expect((await post(url, '/v2/verify', {}, SECRETS.shop)).body.error).toBe('not_found')
    expect((await store.listEvents({ limit: 1000 })).length).toBe(before)
  })

  it("denies another site's token without consuming it, and a replayed token", async () => {
    const otherToken = await tokenFrom(url, 'other', OTHER_ORIGIN)
    const foreign = await verify(otherToken, { action: 'login', loginId: 'hanako@example.jp' })
    expect(foreign.status).toBe(200)
    expect(foreign.body.decision).toBe('deny')
    expect(foreign.body.device).toBeUndefined()
    expect(foreign.body.reasons[0].code).toBe('CHALLENGE_FORGED') // both sites name their key k1; the MAC does not match
    // the token was not spent on the wrong site: its own site still takes it, once
    const own = await verify(otherToken, { action: 'login', loginId: 'hanako@example.jp' }, SECRETS.other)
    expect(own.body.site).toBe('other')
    expect(own.body.reasons.map((r: { code: string }) => r.code)).not.toContain('TOKEN_REPLAYED')
    const replay = await verify(otherToken, { action: 'login', loginId: 'hanako@example.jp' }, SECRETS.other)
    expect(replay.body).toMatchObject({ decision: 'deny', success: false, reasons: [{ code: 'TOKEN_REPLAYED' }] })
    // an event of one site cannot be reported or labelled through another site's secret
    expect((await post(url, '/v1/label', { eventId: own.body.eventId, label: 'fraud' }, SECRETS.shop)).body.error).toBe('event_unknown')
    expect((await service.sites.get('other')!.store.getEvent(own.body.eventId))?.label).toBeUndefined()
  })

  it('reports health, readiness and metrics, mounts handlers, and logs no personal data', async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' })
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', sites: { shop: true, other: true } })
    const scrape = await fetch(`${url}/metrics`)
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await scrape.text()
    expect(text).toContain('# TYPE kenchi_request_duration_seconds histogram')
    const metrics = parseMetrics(text)
    const at = (name: string, labels: Record<string, string>) => sample(metrics, name, labels)
    // the tests above: two allowed and two challenged logins on shop, one foreign token denied
    // on shop, and on other one verdict allowed and its replay denied
    expect(at('kenchi_verdicts_total', { decision: 'allow', site: 'shop' })).toBe(2)
    expect(at('kenchi_verdicts_total', { decision: 'challenge', site: 'shop' })).toBe(2)
    expect(at('kenchi_verdicts_total', { decision: 'deny', site: 'shop' })).toBe(1)
    expect(at('kenchi_verdict_reasons_total', { decision: 'deny', reason: 'TOKEN_REPLAYED', site: 'other' })).toBe(1)
    expect(at('kenchi_verdict_reasons_total', { decision: 'deny', reason: 'CHALLENGE_FORGED', site: 'shop' })).toBe(1)
    const verifies = at('kenchi_request_duration_seconds_count', { route: '/v1/verify' })!
    expect(verifies).toBeGreaterThan(10)
    expect(at('kenchi_request_duration_seconds_bucket', { route: '/v1/verify', le: '+Inf' })).toBe(verifies)
    expect(at('kenchi_request_duration_seconds_bucket', { route: '/v1/verify', le: '2.5' })).toBeLessThanOrEqual(verifies)
    expect(at('kenchi_request_duration_seconds_sum', { route: '/v1/verify' })).toBeGreaterThan(0)
    expect(await service.metrics.latencyOf('/v1/verify')).toMatchObject({ count: verifies })
    expect(at('kenchi_attack_mode', { site: 'shop' })).toBe(0)
    expect(at('kenchi_write_queue_depth', { site: 'shop' })).toBe(0)
    expect(at('kenchi_store_errors_total', { site: 'shop' }) ?? 0).toBe(0)
    expect(at('kenchi_api_errors_total', { code: 'unauthorized', route: '/v1/verify' })).toBeGreaterThanOrEqual(3)
    expect(at('kenchi_http_requests_total', { route: '/healthz', status: '200' })).toBeGreaterThanOrEqual(1)
    // the service's own registry: no process or default metrics of prom-client's global one
    expect(metrics.every((s) => s.name.startsWith('kenchi_'))).toBe(true)
    expect(await (await fetch(`${url}/console/users`)).text()).toBe('console here')
    const logs = logLines.join('')
    expect(logs).toContain('"msg":"verdict"')
    for (const secret of ['hanako@example.jp', 'challenge@kenchi.test', '203.0.113.9', SECRETS.shop, 'v1.'])
      expect(logs).not.toContain(secret)
    for (const line of logLines)
      expect(JSON.parse(line)).toMatchObject({
        level: expect.any(Number),
        time: expect.any(Number),
        msg: expect.any(String),
        name: 'kenchi-service',
      })
    const verdictLine = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'verdict' && l.site === 'shop')
    expect(verdictLine).toMatchObject({
      level: 30,
      secretId: expect.any(String),
      action: 'login',
      eventId: expect.any(String),
      decision: expect.any(String),
      reasons: expect.any(Array),
    })
    expect(logLines.some((l) => JSON.parse(l).msg === 'request' && JSON.parse(l).level === 20)).toBe(true)
  })
})

describe('the pino logger', () => {
  it('honours the level, writes JSON lines, and censors personal-data fields if a line ever carried one', async () => {
    const lines: string[] = []
    const log = await createLogger('warn', (line) => void lines.push(line))
    log.info('not written')
    log.debug('not written either')
    log.warn('alert', { site: 'shop', ip: '203.0.113.9', context: { loginId: 'hanako@example.jp', action: 'login' }, token: 'v1.abc' })
    log.error('request failed', { route: '/v1/verify', err: 'boom' })
    expect(lines).toHaveLength(2)
    const [warn, error] = lines.map((l) => JSON.parse(l))
    expect(warn).toMatchObject({
      level: 40,
      msg: 'alert',
      site: 'shop',
      ip: '[redacted]',
      token: '[redacted]',
      context: { loginId: '[redacted]', action: 'login' },
      name: 'kenchi-service',
      pid: process.pid,
    })
    expect(error).toMatchObject({ level: 50, msg: 'request failed', route: '/v1/verify', err: 'boom' })
    for (const secret of ['203.0.113.9', 'hanako@example.jp', 'v1.abc']) expect(lines.join('')).not.toContain(secret)
    const silent: string[] = []
    const quiet = await createLogger('silent', (line) => void silent.push(line))
    quiet.error('never')
    expect(silent).toEqual([])
  })
})

describe('the serve and api-secret commands', () => {
  const io = () => {
    const out: string[] = []
    const err: string[] = []
    return {
      out,
      err,
      io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), stdin: () => '', now: () => Date.UTC(2026, 11, 3) },
    }
  }

  it('api-secret prints a secret whose sha256 entry the configuration accepts', async () => {
    const { runCli } = await import('../../packages/server/src/cli.js')
    const { out, io: cli } = io()
    expect(runCli(['api-secret', '--id', 'shop-2026'], cli)).toBe(0)
    const made = JSON.parse(out[0]!) as { secret: string; apiSecretsEntry: { id: string; sha256: string } }
    const config = twoSiteConfig() as any
    config.sites[1].apiSecrets = [made.apiSecretsEntry]
    const service = await createService({ config, clientDir: false, logger: false })
    try {
      const { url } = await service.listen({ port: 0 })
      expect((await post(url, '/v1/verify', { context: { action: 'login' } }, made.secret)).body).toMatchObject({
        site: 'other',
        success: false,
        reasons: [{ code: 'TOKEN_MISSING' }],
      })
    } finally {
      await service.close()
    }
  })

  it('serve --check validates the file and names the wrong field', async () => {
    const { runCli } = await import('../../packages/server/src/cli.js')
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-check-'))
    const good = join(dir, 'good.json')
    const bad = join(dir, 'bad.json')
    writeFileSync(good, JSON.stringify(twoSiteConfig()))
    const broken = twoSiteConfig() as any
    broken.sites[0].origins[1] = 'ftp://shop.example'
    writeFileSync(bad, JSON.stringify(broken))
    const a = io()
    expect(await runCli(['serve', '--config', good, '--check'], a.io)).toBe(0)
    expect(a.out[0]).toContain('valid (2 sites: shop, other)')
    const b = io()
    expect(await runCli(['serve', '--config', bad, '--check'], b.io)).toBe(1)
    expect(b.err[0]).toContain('sites[0].origins[1]: must be an https origin')
  })
})

describe('stores per site', () => {
  it('gives each site its own SQLite file from a {site} path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-sqlite-'))
    const service = await createService({
      config: twoSiteConfig({ type: 'sqlite', path: join(dir, 'kenchi-{site}.db') }),
      clientDir: false,
      logger: false,
    })
    try {
      const { url } = await service.listen({ port: 0 })
      const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
      const verdict = (await post(url, '/v1/verify', { token, context: { action: 'login', loginId: 'a@example.jp' } }, SECRETS.shop)).body
      expect(verdict.decision).toBe('allow')
      expect(await service.sites.get('shop')!.store.getEvent(verdict.eventId)).toBeDefined()
      expect(await service.sites.get('other')!.store.getEvent(verdict.eventId)).toBeUndefined()
      const { readdirSync } = await import('node:fs')
      expect(
        readdirSync(dir)
          .filter((f) => f.endsWith('.db'))
          .sort(),
      ).toEqual(['kenchi-other.db', 'kenchi-shop.db'])
    } finally {
      await service.close()
    }
  })
})

describe('privacy requests over the API', () => {
  it('exports and erases a person on the caller’s site only, found by login id, with counts in the log and no identifier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-privacy-api-'))
    const lines: string[] = []
    const service = await createService({
      config: twoSiteConfig({ type: 'sqlite', path: join(dir, '{site}.db') }),
      clientDir: false,
      logger: await createLogger('info', (line) => void lines.push(line)),
    })
    try {
      const { url } = await service.listen({ port: 0 })
      const verdict = (
        await post(
          url,
          '/v1/verify',
          {
            token: await tokenFrom(url, 'shop', SHOP_ORIGIN),
            context: { action: 'login', loginId: 'sato@example.jp', ip: '203.0.113.77' },
          },
          SECRETS.shop,
        )
      ).body
      await post(
        url,
        '/v1/verify',
        { token: await tokenFrom(url, 'other', OTHER_ORIGIN), context: { action: 'login', loginId: 'sato@example.jp' } },
        SECRETS.other,
      )
      const exported = await post(url, '/v1/privacy/export', { loginId: 'sato@example.jp' }, SECRETS.shop)
      expect(exported.status).toBe(200)
      expect(exported.body.events.map((e: { id: string }) => e.id)).toEqual([verdict.eventId])
      expect(exported.body.events[0].ip).toBe('203.0.113.77')
      const erased = await post(url, '/v1/privacy/erase', { loginId: 'sato@example.jp' }, SECRETS.shop)
      expect(erased.body).toMatchObject({ events: 1, minimizedEvents: 0 })
      expect((await post(url, '/v1/privacy/export', { loginId: 'sato@example.jp' }, SECRETS.shop)).body.events).toEqual([])
      expect(await service.sites.get('shop')!.store.getEvent(verdict.eventId)).toBeUndefined()
      // The other site's data is its own: its secret sees its own event, untouched by the shop's erasure.
      expect((await post(url, '/v1/privacy/export', { loginId: 'sato@example.jp' }, SECRETS.other)).body.events).toHaveLength(1)
      expect((await post(url, '/v1/privacy/erase', {}, SECRETS.shop)).body.error).toBe('invalid_request')
      expect((await post(url, '/v1/privacy/erase', { loginId: 'x', keepFraud: 'no' }, SECRETS.shop)).body.error).toBe('invalid_request')
      expect((await post(url, '/v1/privacy/export', { loginId: 'x', keepFraud: true }, SECRETS.shop)).body.error).toBe('invalid_request')
      expect((await post(url, '/v1/privacy/export', { userHash: 'short' }, SECRETS.shop)).body.error).toBe('invalid_request')
      expect((await post(url, '/v1/privacy/export', { loginId: 'sato@example.jp' }, 'wrong-secret-0123456789abcdefghij')).status).toBe(401)
      const logged = lines.join('\n')
      expect(logged).toContain('privacy erasure')
      for (const secret of ['sato@example.jp', '203.0.113.77', exported.body.userHashes[0]]) expect(logged).not.toContain(secret)
    } finally {
      await service.close()
    }
  })
})

describe('random hostile bodies', () => {
  it('never get a 5xx or crash the service', async () => {
    const config = twoSiteConfig() as any
    config.sites[0].stepUp.passkey = { rpId: 'shop.example' }
    const service = await createService({
      config,
      clientDir: false,
      logger: false,
      stepUpSenders: { shop: { channel: 'email', send: async () => {} } },
    })
    try {
      const { url } = await service.listen({ port: 0 })
      let seed = 42
      const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
      const values = [
        null,
        true,
        0,
        -1,
        1e308,
        '',
        'x'.repeat(600),
        '\u0000',
        '__proto__',
        [],
        {},
        [[[]]],
        { a: { b: {} } },
        'login',
        'allow@kenchi.test',
      ]
      const fields = [
        'token',
        'context',
        'eventId',
        'outcome',
        'label',
        'comment',
        'loginId',
        'userId',
        'to',
        'code',
        'purpose',
        'ref',
        'secret',
        'constructor',
        '__proto__',
        'totpSecret',
        'credentials',
        'response',
        'credential',
      ]
      const ctxFields = ['action', 'ip', 'userAgent', 'origin', 'headers', 'userId', 'loginId', 'email', 'fields']
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
      const paths = Object.keys(openapi.paths).filter((p) => p.startsWith('/v1/'))
      for (let i = 0; i < 300; i++) {
        const body: Record<string, unknown> = {}
        for (let j = 0; j < 1 + rand() * 5; j++) body[pick(fields)] = pick(values)
        if (rand() < 0.5)
          body.context = Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => [pick(ctxFields), pick(values)]))
        const text = rand() < 0.1 ? JSON.stringify(body).slice(0, Math.floor(rand() * 40)) : JSON.stringify(body)
        const res = await post(url, pick(paths), text, rand() < 0.8 ? SECRETS.shop : 'wrong-secret-0123456789abcdefghij')
        expect(res.status, `${text}`).toBeLessThan(500)
        expect(typeof res.body === 'object' && res.body !== null, text).toBe(true)
      }
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
    } finally {
      await service.close()
    }
  })
})

describe('a client that goes away mid-body', () => {
  it('does not keep the service from shutting down', async () => {
    const service = await createService({ config: twoSiteConfig(), clientDir: false, logger: false })
    const { port } = await service.listen({ port: 0 })
    const { connect } = await import('node:net')
    const socket = connect(port, '127.0.0.1')
    await new Promise((r) => socket.once('connect', r))
    socket.write(
      `POST /v1/verify HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${SECRETS.shop}\r\ncontent-length: 1000\r\n\r\n{"context":`,
    )
    await new Promise((r) => setTimeout(r, 100))
    socket.destroy()
    await new Promise((r) => setTimeout(r, 100))
    const started = Date.now()
    expect(await service.close()).toBe(0)
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe('trustProxy', () => {
  it('counts challenges by the address the proxy appended, not by what the client claims', async () => {
    const service = await createService({ config: { ...twoSiteConfig(), trustProxy: true }, clientDir: false, logger: false })
    try {
      const { url } = await service.listen({ port: 0 })
      const ask = (xff: string) =>
        fetch(`${url}/s/shop/challenge`, {
          method: 'POST',
          headers: { origin: SHOP_ORIGIN, 'content-type': 'application/json', 'x-forwarded-for': xff },
          body: '{"action":"login"}',
        })
      // a client rotating a forged first entry is still one address to the limit
      const statuses: number[] = []
      for (let i = 0; i < 61; i++) statuses.push((await ask(`10.0.0.${i}, 198.51.100.1`)).status)
      expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true)
      expect(statuses[60]).toBe(429)
      expect((await ask('198.51.100.1, 198.51.100.2')).status).toBe(200)
    } finally {
      await service.close()
    }
  })
})

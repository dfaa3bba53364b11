// Step-up by authenticator app (TOTP) and by passkey through the verification service, over
// real HTTP: `/v1/stepup/totp` with the account's secret supplied by the shop back end (the
// code computed here from the secret, independently of the library), and
// `/v1/stepup/passkey/options` + `/v1/stepup/passkey/check` with a real WebAuthn assertion
// from Chromium's virtual authenticator (DevTools protocol). Hostile input, another site's
// event, and an unknown account answering exactly as a known one with a wrong code or key.
import { createHmac, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type Service } from '../../packages/server/src/service/index.js'
import { resolveConfig } from '../../packages/server/src/service/config.js'
import { launchChromium } from '../support/browser.js'
import { OTHER_ORIGIN, post, SECRETS, SHOP_ORIGIN, tokenFrom, twoSiteConfig } from './support.js'

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const CHALLENGE = 'challenge@kenchi.test'

/** RFC 6238 with SHA-1, 30 s steps, 6 digits, written out here rather than taken from the library under test. */
function totpCode(base32: string, timeMs: number): string {
  let bits = ''
  for (const ch of base32) bits += BASE32.indexOf(ch).toString(2).padStart(5, '0')
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 30_000)))
  const mac = createHmac('sha1', key).update(counter).digest()
  const o = mac[19]! & 15
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

function base32(bytes: Buffer): string {
  let bits = ''
  for (const b of bytes) bits += b.toString(2).padStart(8, '0')
  return (bits.match(/.{1,5}/g) ?? []).map((c) => BASE32[parseInt(c.padEnd(5, '0'), 2)]).join('')
}

let page: Server
let pageOrigin: string
let service: Service
let url: string

beforeAll(async () => {
  // The shop's page, on http://localhost (WebAuthn refuses IP addresses as relying-party ids).
  page = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><title>shop</title><p>shop</p>')
  })
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
  pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`
  const config = twoSiteConfig() as any
  config.sites[0].origins.push(pageOrigin)
  config.sites[0].stepUp.passkey = { rpId: 'localhost', rpName: 'Shop' }
  service = await createService({
    config,
    clientDir: false,
    logger: false,
    stepUpSenders: { shop: { channel: 'email', send: async () => {} } },
  })
  url = (await service.listen({ port: 0 })).url
})

afterAll(async () => {
  await service?.close()
  await new Promise((resolve) => page?.close(resolve))
})

async function challenged(loginId = CHALLENGE): Promise<string> {
  const { body } = await post(
    url,
    '/v1/verify',
    { token: await tokenFrom(url, 'shop', SHOP_ORIGIN), context: { action: 'login', loginId } },
    SECRETS.shop,
  )
  expect(body.decision).toBe(loginId === CHALLENGE ? 'challenge' : body.decision)
  return body.eventId
}

describe('stepUp.passkey in the site configuration', () => {
  const error = (passkey: unknown) => {
    const c = twoSiteConfig() as any
    c.sites[0].stepUp.passkey = passkey
    try {
      resolveConfig(c, {})
    } catch (e) {
      return (e as Error).message
    }
    return 'no error'
  }

  it('names the wrong field, and takes the passkey origins from the site', () => {
    expect(error('shop.example')).toMatch(/^sites\[0\]\.stepUp\.passkey: must be an object/)
    expect(error({ rpId: 'https://shop.example' })).toMatch(/^sites\[0\]\.stepUp\.passkey\.rpId: must be a lower-case domain name/)
    expect(error({ rpId: 'elsewhere.example' })).toMatch(
      /^sites\[0\]\.stepUp\.passkey\.rpId: must be the host \(or a parent domain\) of one of sites\[0\]\.origins/,
    )
    expect(error({ rpId: 'shop.example', rpName: 5 })).toMatch(/^sites\[0\]\.stepUp\.passkey\.rpName:/)
    expect(error({ rpId: 'shop.example', colour: 'blue' })).toMatch(/^sites\[0\]\.stepUp\.passkey\.colour: unknown field/)
    const c = twoSiteConfig() as any
    c.sites[0].stepUp.passkey = { rpId: 'example' }
    expect(resolveConfig(c, {}).sites[0]!.stepUp!.passkey).toEqual({ rpId: 'example', origins: [SHOP_ORIGIN] })
  })
})

describe('POST /v1/stepup/totp', () => {
  const secret = base32(randomBytes(20))
  const totp = (body: Record<string, unknown>, apiSecret = SECRETS.shop) => post(url, '/v1/stepup/totp', body, apiSecret)

  it('passes a code from the account secret once, reports challenge_passed, and refuses its reuse', async () => {
    const eventId = await challenged()
    const code = totpCode(secret, Date.now())
    const wrong = code === '000000' ? '111111' : '000000'
    expect((await totp({ eventId, loginId: CHALLENGE, code: wrong, totpSecret: secret })).body).toEqual({
      ok: false,
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 4,
    })
    expect((await totp({ eventId, loginId: CHALLENGE, code, totpSecret: secret })).body).toEqual({ ok: true })
    const event = await service.sites.get('shop')!.store.getEvent(eventId)
    expect(event?.outcomes?.map((o) => o.outcome)).toContain('challenge_passed')
    expect((await totp({ eventId, loginId: CHALLENGE, code, totpSecret: secret })).body).toEqual({ ok: false, code: 'STEP_UP_USED' })
    // the same code on another event of the same account is a replay
    expect((await totp({ eventId: await challenged(), loginId: CHALLENGE, code, totpSecret: secret })).body).toEqual({
      ok: false,
      code: 'STEP_UP_USED',
    })
  })

  it('answers an unknown account (no secret) exactly as a known one with a wrong code', async () => {
    const known = await challenged()
    const unknown = await challenged()
    const code = totpCode(secret, Date.now())
    const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0')
    const a = await totp({ eventId: known, loginId: CHALLENGE, code: wrong, totpSecret: secret })
    const b = await totp({ eventId: unknown, loginId: CHALLENGE, code, totpSecret: null })
    expect(a).toEqual({ status: 200, body: { ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 4 } })
    expect(b).toEqual(a)
    // and without the field at all
    expect((await totp({ eventId: unknown, loginId: CHALLENGE, code })).body).toEqual({
      ok: false,
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 3,
    })
    // a right code checked against another account's secret is just as wrong
    expect((await totp({ eventId: known, loginId: CHALLENGE, code, totpSecret: base32(randomBytes(20)) })).body).toEqual({
      ok: false,
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 3,
    })
  })

  it("refuses another site's event, the wrong account, a wrong API secret and malformed input", async () => {
    const code = totpCode(secret, Date.now())
    const { body: foreign } = await post(
      url,
      '/v1/verify',
      { token: await tokenFrom(url, 'other', OTHER_ORIGIN), context: { action: 'login', loginId: CHALLENGE } },
      SECRETS.other,
    )
    expect(foreign.eventId).toEqual(expect.any(String))
    expect((await totp({ eventId: foreign.eventId, loginId: CHALLENGE, code, totpSecret: secret })).body).toEqual({
      ok: false,
      code: 'STEP_UP_EVENT_UNKNOWN',
    })
    expect((await totp({ eventId: foreign.eventId, loginId: CHALLENGE, code, totpSecret: secret }, SECRETS.other)).body.error).toBe(
      'stepup_not_configured',
    )
    const eventId = await challenged()
    expect((await totp({ eventId, loginId: CHALLENGE, code, totpSecret: secret }, 'wrong-secret-0123456789abcdefgh')).body.error).toBe(
      'unauthorized',
    )
    expect((await totp({ eventId, loginId: 'someone-else@example.jp', code, totpSecret: secret })).body).toEqual({
      ok: false,
      code: 'STEP_UP_MISMATCH',
    })
    const invalid = async (body: Record<string, unknown>, message: RegExp) => {
      const res = await totp(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error).toBe('invalid_request')
      expect(res.body.message).toMatch(message)
    }
    await invalid({ eventId, loginId: CHALLENGE, code, totpSecret: 'not base32 at all!!' }, /^totpSecret:/)
    await invalid({ eventId, loginId: CHALLENGE, code, totpSecret: { a: 1 } }, /^totpSecret:/)
    await invalid({ eventId, loginId: CHALLENGE, code: 123456, totpSecret: secret }, /^code:/)
    await invalid({ loginId: CHALLENGE, code, totpSecret: secret }, /^eventId:/)
    await invalid({ eventId, code, totpSecret: secret }, /loginId or userId/)
    await invalid({ eventId, loginId: CHALLENGE, code, totpSecret: secret, pad: 1 }, /^pad: unknown field/)
    expect((await totp({ eventId, loginId: CHALLENGE, code: 'abcdef', totpSecret: secret })).body).toEqual({
      ok: false,
      code: 'STEP_UP_INPUT_INVALID',
    })
    // none of it touched the event: the right code still passes
    expect((await totp({ eventId, loginId: CHALLENGE, code: totpCode(secret, Date.now() + 30_000), totpSecret: secret })).body).toEqual({
      ok: true,
    })
  })

  it('refuses a deny verdict', async () => {
    const { body } = await post(
      url,
      '/v1/verify',
      { token: await tokenFrom(url, 'shop', SHOP_ORIGIN), context: { action: 'login', loginId: 'deny@kenchi.test' } },
      SECRETS.shop,
    )
    expect(body.decision).toBe('deny')
    expect(
      (await totp({ eventId: body.eventId, loginId: 'deny@kenchi.test', code: totpCode(secret, Date.now()), totpSecret: secret })).body,
    ).toEqual({ ok: false, code: 'STEP_UP_NOT_ALLOWED' })
  })
})

describe('POST /v1/stepup/passkey/options and /check, with Chromium', () => {
  let browser: Browser
  let tab: Page
  let passkey: { id: string; publicKey: string; counter: number }

  beforeAll(async () => {
    browser = await launchChromium()
    const context = await browser.newContext()
    tab = await context.newPage()
    await tab.goto(pageOrigin)
    const cdp = await context.newCDPSession(tab)
    await cdp.send('WebAuthn.enable')
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    })
    // Enrolment, as the shop does it itself with @simplewebauthn/server.
    const options = await generateRegistrationOptions({ rpName: 'Shop', rpID: 'localhost', userName: CHALLENGE, attestationType: 'none' })
    const registration = await tab.evaluate(async (json) => {
      const P = PublicKeyCredential as unknown as { parseCreationOptionsFromJSON(j: unknown): PublicKeyCredentialCreationOptions }
      const credential = (await navigator.credentials.create({
        publicKey: P.parseCreationOptionsFromJSON(json),
      })) as PublicKeyCredential & { toJSON(): unknown }
      return credential.toJSON()
    }, options)
    const verified = await verifyRegistrationResponse({
      response: registration as never,
      expectedChallenge: options.challenge,
      expectedOrigin: pageOrigin,
      expectedRPID: 'localhost',
    })
    expect(verified.verified).toBe(true)
    const info = verified.registrationInfo!.credential
    // what the shop stores in its user table, as JSON-friendly text
    passkey = { id: info.id, publicKey: Buffer.from(info.publicKey).toString('base64url'), counter: info.counter }
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
  })

  const assertion = (options: unknown): Promise<Record<string, unknown>> =>
    tab.evaluate(async (json) => {
      const P = PublicKeyCredential as unknown as { parseRequestOptionsFromJSON(j: unknown): PublicKeyCredentialRequestOptions }
      const credential = (await navigator.credentials.get({ publicKey: P.parseRequestOptionsFromJSON(json) })) as PublicKeyCredential & {
        toJSON(): unknown
      }
      return credential.toJSON() as Record<string, unknown>
    }, options)

  it('passes with a real assertion, reports challenge_passed and the new counter, and refuses a replay', async () => {
    const eventId = await challenged()
    const started = await post(
      url,
      '/v1/stepup/passkey/options',
      { eventId, loginId: CHALLENGE, credentials: [{ id: passkey.id, transports: ['internal'] }] },
      SECRETS.shop,
    )
    expect(started.status).toBe(200)
    expect(started.body).toMatchObject({
      ok: true,
      options: { rpId: 'localhost', allowCredentials: [{ id: passkey.id, type: 'public-key' }] },
    })
    const response = await assertion(started.body.options)
    const checked = await post(
      url,
      '/v1/stepup/passkey/check',
      { eventId, loginId: CHALLENGE, response, credential: passkey },
      SECRETS.shop,
    )
    expect(checked.body).toEqual({ ok: true, newCounter: expect.any(Number) })
    const event = await service.sites.get('shop')!.store.getEvent(eventId)
    expect(event?.outcomes?.map((o) => o.outcome)).toContain('challenge_passed')
    expect(
      (await post(url, '/v1/stepup/passkey/check', { eventId, loginId: CHALLENGE, response, credential: passkey }, SECRETS.shop)).body,
    ).toEqual({ ok: false, code: 'STEP_UP_USED' })
  }, 30_000)

  it('answers an unknown account exactly as a known one with the wrong key', async () => {
    // options: no passkeys on file lists one decoy id, stable across requests
    const unknown = await challenged()
    const first = await post(url, '/v1/stepup/passkey/options', { eventId: unknown, loginId: CHALLENGE, credentials: [] }, SECRETS.shop)
    const again = await post(url, '/v1/stepup/passkey/options', { eventId: unknown, loginId: CHALLENGE, credentials: [] }, SECRETS.shop)
    expect(first.body.ok).toBe(true)
    expect(first.body.options.allowCredentials).toHaveLength(1)
    expect(first.body.options.allowCredentials[0].id).toMatch(/^[\w-]{16,}$/)
    expect(again.body.options.allowCredentials).toEqual(first.body.options.allowCredentials)
    expect(Object.keys(first.body.options).sort()).toEqual(
      Object.keys(
        (
          await post(
            url,
            '/v1/stepup/passkey/options',
            { eventId: await challenged(), loginId: CHALLENGE, credentials: [{ id: passkey.id }] },
            SECRETS.shop,
          )
        ).body.options,
      ).sort(),
    )
    // checks: a real assertion against no stored passkey, and against another key, read alike
    const eventId = await challenged()
    const started = await post(
      url,
      '/v1/stepup/passkey/options',
      { eventId, loginId: CHALLENGE, credentials: [{ id: passkey.id }] },
      SECRETS.shop,
    )
    const response = await assertion(started.body.options)
    const none = await post(url, '/v1/stepup/passkey/check', { eventId, loginId: CHALLENGE, response, credential: null }, SECRETS.shop)
    expect(none).toEqual({ status: 200, body: { ok: false, code: 'STEP_UP_PASSKEY_INVALID', attemptsLeft: 4 } })
    const otherKey = { ...passkey, publicKey: randomBytes(77).toString('base64url') }
    expect(
      (await post(url, '/v1/stepup/passkey/check', { eventId, loginId: CHALLENGE, response, credential: otherKey }, SECRETS.shop)).body,
    ).toEqual({ ok: false, code: 'STEP_UP_PASSKEY_INVALID', attemptsLeft: 3 })
    // a wrong key did not spend the challenge: the right one still passes
    expect(
      (await post(url, '/v1/stepup/passkey/check', { eventId, loginId: CHALLENGE, response, credential: passkey }, SECRETS.shop)).body.ok,
    ).toBe(true)
  }, 30_000)

  it('refuses malformed input, another site and a site without passkeys', async () => {
    const eventId = await challenged()
    const invalid = async (path: string, body: Record<string, unknown>, message: RegExp) => {
      const res = await post(url, path, body, SECRETS.shop)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error).toBe('invalid_request')
      expect(res.body.message).toMatch(message)
    }
    await invalid('/v1/stepup/passkey/options', { eventId, loginId: CHALLENGE, credentials: 'x' }, /^credentials:/)
    await invalid(
      '/v1/stepup/passkey/options',
      { eventId, loginId: CHALLENGE, credentials: Array.from({ length: 101 }, () => ({ id: 'a' })) },
      /^credentials:/,
    )
    await invalid('/v1/stepup/passkey/options', { eventId, loginId: CHALLENGE, credentials: [{ id: 'a/b' }] }, /^credentials\[0\]\.id:/)
    await invalid(
      '/v1/stepup/passkey/options',
      { eventId, loginId: CHALLENGE, credentials: [{ id: 'a', transports: 'usb' }] },
      /^credentials\[0\]\.transports:/,
    )
    await invalid('/v1/stepup/passkey/check', { eventId, loginId: CHALLENGE, response: 'x', credential: passkey }, /^response:/)
    await invalid(
      '/v1/stepup/passkey/check',
      { eventId, loginId: CHALLENGE, response: {}, credential: { ...passkey, publicKey: 5 } },
      /^credential\.publicKey:/,
    )
    await invalid(
      '/v1/stepup/passkey/check',
      { eventId, loginId: CHALLENGE, response: {}, credential: { ...passkey, counter: -1 } },
      /^credential\.counter:/,
    )
    await invalid(
      '/v1/stepup/passkey/check',
      { eventId, loginId: CHALLENGE, response: {}, credential: { ...passkey, extra: 1 } },
      /^credential\.extra: unknown field/,
    )
    expect(
      (
        await post(
          url,
          '/v1/stepup/passkey/check',
          { eventId, loginId: CHALLENGE, response: { response: { clientDataJSON: 'bm90IGpzb24' } }, credential: passkey },
          SECRETS.shop,
        )
      ).body,
    ).toEqual({ ok: false, code: 'STEP_UP_INPUT_INVALID' })
    const { body: foreign } = await post(
      url,
      '/v1/verify',
      { token: await tokenFrom(url, 'other', OTHER_ORIGIN), context: { action: 'login', loginId: CHALLENGE } },
      SECRETS.other,
    )
    expect(
      (await post(url, '/v1/stepup/passkey/options', { eventId: foreign.eventId, loginId: CHALLENGE, credentials: [] }, SECRETS.shop)).body,
    ).toEqual({ ok: false, code: 'STEP_UP_EVENT_UNKNOWN' })
    expect(
      (await post(url, '/v1/stepup/passkey/options', { eventId: foreign.eventId, loginId: CHALLENGE, credentials: [] }, SECRETS.other)).body
        .error,
    ).toBe('stepup_not_configured')

    // a site with stepUp but neither passkey nor smtp: no passkeys, no e-mail codes, authenticator codes work
    const plain = await createService({ config: twoSiteConfig(), clientDir: false, logger: false })
    try {
      const base = (await plain.listen({ port: 0 })).url
      const res = await post(base, '/v1/stepup/passkey/options', { eventId, loginId: CHALLENGE, credentials: [] }, SECRETS.shop)
      expect(res.status).toBe(404)
      expect(res.body.error).toBe('passkey_not_configured')
      expect((await post(base, '/v1/stepup/start', { eventId, loginId: CHALLENGE, to: 'a@example.jp' }, SECRETS.shop)).body).toMatchObject({
        error: 'stepup_not_configured',
        message: expect.stringMatching(/smtp/),
      })
      const { body: verdict } = await post(
        base,
        '/v1/verify',
        { token: await tokenFrom(base, 'shop', SHOP_ORIGIN), context: { action: 'login', loginId: CHALLENGE } },
        SECRETS.shop,
      )
      expect(
        (
          await post(
            base,
            '/v1/stepup/totp',
            { eventId: verdict.eventId, loginId: CHALLENGE, code: '123456', totpSecret: null },
            SECRETS.shop,
          )
        ).body,
      ).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 4 })
    } finally {
      await plain.close()
    }
  }, 30_000)
})

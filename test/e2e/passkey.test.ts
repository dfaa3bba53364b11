// Passkey step-up with a real WebAuthn ceremony: Chromium with a virtual authenticator
// (DevTools protocol) registers a passkey and answers the step-up request; the server side
// is createStepUp's passkey methods over @simplewebauthn/server. The page runs on
// http://localhost (a secure context; WebAuthn refuses IP addresses as relying-party ids).
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, memoryStore, type Verifier } from '@kenchi/server'
import { historyRule } from '@kenchi/server/rules'
import { createStepUp, type CodeSender, type StepUp } from '@kenchi/server/stepup'
import { launchChromium } from '../support/browser.js'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../support/tokens.js'

const SHOP = 'https://shop.example' // where the Kenchi tokens come from (made in Node here)
let server: Server
let origin: string
let browser: Browser
let page: Page
let verifier: Verifier
let stepUp: StepUp
let passkey: { id: string; publicKey: Uint8Array; counter: number }

const noMail: CodeSender = { channel: 'email', send: async () => {} }

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><title>passkey</title><p>shop</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://localhost:${(server.address() as AddressInfo).port}`
  verifier = await createVerifier({
    keys: [{ id: 'k', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins: [SHOP],
    rules: [historyRule()],
    store: memoryStore(),
  })
  stepUp = createStepUp({
    verifier,
    secret: randomBytes(32),
    sender: noMail,
    maxAttempts: 2,
    passkey: { rpId: 'localhost', origins: [origin] },
  })
  browser = await launchChromium()
  const context = await browser.newContext()
  page = await context.newPage()
  await page.goto(origin)
  const cdp = await context.newCDPSession(page)
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

  // Enrolment, as the shop would do it with @simplewebauthn/server directly.
  const options = await generateRegistrationOptions({
    rpName: 'Shop',
    rpID: 'localhost',
    userName: 'hanako@example.jp',
    attestationType: 'none',
  })
  const registration = await page.evaluate(async (json) => {
    const P = PublicKeyCredential as unknown as { parseCreationOptionsFromJSON(j: unknown): PublicKeyCredentialCreationOptions }
    const credential = (await navigator.credentials.create({ publicKey: P.parseCreationOptionsFromJSON(json) })) as PublicKeyCredential & {
      toJSON(): unknown
    }
    return credential.toJSON()
  }, options)
  const verified = await verifyRegistrationResponse({
    response: registration as never,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: 'localhost',
  })
  expect(verified.verified).toBe(true)
  const info = verified.registrationInfo!.credential
  passkey = { id: info.id, publicKey: info.publicKey, counter: info.counter }
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
})

async function login(device: TestDevice, userId: string) {
  const { challenge } = await verifier.challenge({ action: 'login', origin: SHOP })
  const token = await tokenFor(challenge, { device, origin: SHOP, signals: withOwnFingerprint(humanSignals(), device) })
  return verifier.verify(token, { action: 'login', userId })
}

async function challenged(userId: string): Promise<{ eventId: string; device: TestDevice }> {
  const home = await login(await newDevice(), userId)
  await verifier.reportOutcome(home.eventId, 'login_succeeded')
  const device = await newDevice()
  const verdict = await login(device, userId)
  expect(verdict.decision).toBe('challenge')
  return { eventId: verdict.eventId, device }
}

/** The browser answers a step-up request with the virtual authenticator. */
function assertion(options: unknown): Promise<unknown> {
  return page.evaluate(async (json) => {
    const P = PublicKeyCredential as unknown as { parseRequestOptionsFromJSON(j: unknown): PublicKeyCredentialRequestOptions }
    const credential = (await navigator.credentials.get({ publicKey: P.parseRequestOptionsFromJSON(json) })) as PublicKeyCredential & {
      toJSON(): unknown
    }
    return credential.toJSON()
  }, options)
}

describe('passkey step-up in Chromium', () => {
  it('a passkey assertion passes the challenge, the device is trusted next time; a replay reads STEP_UP_USED', async () => {
    const { eventId, device } = await challenged('hanako')
    const started = await stepUp.passkeyOptions({ eventId, userId: 'hanako', credentials: [{ id: passkey.id }] })
    if (!started.ok) throw new Error(started.code)
    const response = await assertion(started.options)
    const result = await stepUp.checkPasskey({ eventId, userId: 'hanako', response, credential: passkey })
    expect(result).toMatchObject({ ok: true })
    expect((await login(device, 'hanako')).decision).toBe('allow')
    expect(await stepUp.checkPasskey({ eventId, userId: 'hanako', response, credential: passkey })).toEqual({
      ok: false,
      code: 'STEP_UP_USED',
    })
  })

  it('STEP_UP_EXPIRED for an assertion of another event, STEP_UP_PASSKEY_INVALID for a wrong key, STEP_UP_MISMATCH for another user', async () => {
    const one = await challenged('taro')
    const two = await login(await newDevice(), 'taro')
    expect(two.decision).toBe('challenge')
    const started = await stepUp.passkeyOptions({ eventId: one.eventId, userId: 'taro', credentials: [{ id: passkey.id }] })
    if (!started.ok) throw new Error(started.code)
    await stepUp.passkeyOptions({ eventId: two.eventId, userId: 'taro', credentials: [{ id: passkey.id }] })
    const response = await assertion(started.options)
    // The assertion signed event one's challenge: it does not pass event two.
    expect(await stepUp.checkPasskey({ eventId: two.eventId, userId: 'taro', response, credential: passkey })).toEqual({
      ok: false,
      code: 'STEP_UP_EXPIRED',
    })
    expect(await stepUp.checkPasskey({ eventId: one.eventId, userId: 'hanako', response, credential: passkey })).toEqual({
      ok: false,
      code: 'STEP_UP_MISMATCH',
    })
    const otherKey = { ...passkey, publicKey: await generateOtherKey() }
    expect(await stepUp.checkPasskey({ eventId: one.eventId, userId: 'taro', response, credential: otherKey })).toEqual({
      ok: false,
      code: 'STEP_UP_PASSKEY_INVALID',
      attemptsLeft: 1,
    })
    expect(await stepUp.checkPasskey({ eventId: one.eventId, userId: 'taro', response: { response: {} }, credential: passkey })).toEqual({
      ok: false,
      code: 'STEP_UP_INPUT_INVALID',
    })
    expect(await stepUp.checkPasskey({ eventId: one.eventId, userId: 'taro', response, credential: passkey })).toMatchObject({ ok: true })
  })
})

/** A COSE-encoded P-256 public key that is not the passkey's (from a second registration). */
async function generateOtherKey(): Promise<Uint8Array> {
  const options = await generateRegistrationOptions({
    rpName: 'Shop',
    rpID: 'localhost',
    userName: 'other@example.jp',
    attestationType: 'none',
  })
  const registration = await page.evaluate(async (json) => {
    const P = PublicKeyCredential as unknown as { parseCreationOptionsFromJSON(j: unknown): PublicKeyCredentialCreationOptions }
    const credential = (await navigator.credentials.create({ publicKey: P.parseCreationOptionsFromJSON(json) })) as PublicKeyCredential & {
      toJSON(): unknown
    }
    return credential.toJSON()
  }, options)
  const verified = await verifyRegistrationResponse({
    response: registration as never,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: 'localhost',
  })
  return verified.registrationInfo!.credential.publicKey
}

// @vitest-environment happy-dom
// @vitest-environment-options {"url": "http://shop.test/login"}
// The client against the exact wire format, with the network mocked by msw and a real
// verifier answering the challenge endpoint and checking the tokens.
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ACTION_PATTERN, parseToken } from '@kenchi/protocol'
import { createVerifier, memoryStore } from '@kenchi/server'
import { createClient, KenchiClientError } from './client.js'
import { startRecording } from './recorder.js'
import { createKenchi } from './kenchi.js'
import { CORE_SIGNALS } from './signals/core.js'

const ORIGIN = 'http://shop.test'
const verifier = await createVerifier({
  keys: [{ id: 'k', secret: 'x'.repeat(40) }],
  hashSecret: 'h'.repeat(32),
  origins: [ORIGIN],
  store: memoryStore(),
})
const requests: Array<{ method: string; type: string | null; body: string }> = []

const server = setupServer(
  http.post(`${ORIGIN}/kenchi/challenge`, async ({ request }) => {
    const body = await request.text()
    requests.push({ method: request.method, type: request.headers.get('content-type'), body })
    const { action } = JSON.parse(body) as { action: string }
    return HttpResponse.json(await verifier.challenge({ action, origin: ORIGIN }))
  }),
  http.post(`${ORIGIN}/down/challenge`, () => HttpResponse.error()),
  http.post(`${ORIGIN}/broken/challenge`, () => HttpResponse.json({ challenge: 'kc1.nope.nope' })),
  http.post(`${ORIGIN}/refusing/challenge`, () => HttpResponse.json({ error: 'CHALLENGE_ORIGIN' }, { status: 403 })),
)

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  requests.length = 0
})
afterAll(() => server.close())

const endpoint = `${ORIGIN}/kenchi`

describe('createKenchi against the wire format', () => {
  it('posts {"action"} as JSON to {endpoint}/challenge and builds a token verify() accepts', async () => {
    const kenchi = createKenchi({ endpoint, start: 'now', signalTimeout: 300 })
    const token = await kenchi.token('login')
    expect(requests).toEqual([{ method: 'POST', type: 'application/json', body: '{"action":"login"}' }])
    const parsed = parseToken(token)
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(parsed.value.body.o).toBe(ORIGIN)
    expect(parsed.value.body.ks).toBe('page') // no IndexedDB here: a key for this page, and the token says so
    expect(parsed.value.body.b?.x).toHaveLength(2)
    expect(Object.keys(parsed.value.body.s)).toEqual(expect.arrayContaining(['webdriver', 'automation', 'userAgent', 'fingerprint']))
    const verdict = await verifier.verify(token, { action: 'login', origin: ORIGIN })
    expect(verdict.device?.id).toMatch(/^[\w-]{43}$/)
    expect(verdict.reasons.filter((r) => r.code.startsWith('TOKEN') || r.code.startsWith('CHALLENGE'))).toEqual([])
  })

  it('uses a prefetched challenge once, then fetches a new one', async () => {
    const kenchi = createClient({ endpoint, signals: CORE_SIGNALS, recorder: false })
    kenchi.prefetch('checkout')
    kenchi.prefetch('checkout') // already waiting: no second request
    const first = await kenchi.token('checkout')
    expect(requests).toHaveLength(1)
    const second = await kenchi.token('checkout')
    expect(requests).toHaveLength(2)
    expect((await verifier.verify(first, { action: 'checkout', origin: ORIGIN })).reasons.map((r) => r.code)).not.toContain(
      'TOKEN_REPLAYED',
    )
    expect((await verifier.verify(second, { action: 'checkout', origin: ORIGIN })).reasons.map((r) => r.code)).not.toContain(
      'TOKEN_REPLAYED',
    )
    expect(parseToken(first).ok && parseToken(second).ok).toBe(true)
    const body = (parseToken(first) as { value: { body: { b?: unknown } } }).value.body
    expect(body.b).toBeUndefined() // recorder: false sends no behaviour
  })

  it('rejects with code "challenge" when the endpoint is down or answers nonsense, and "action" for a bad action', async () => {
    for (const base of [`${ORIGIN}/down`, `${ORIGIN}/broken`]) {
      const kenchi = createClient({ endpoint: base, signals: CORE_SIGNALS, recorder: false })
      await expect(kenchi.token('login')).rejects.toMatchObject({ name: 'KenchiClientError', code: 'challenge' })
    }
    const kenchi = createClient({ endpoint, signals: CORE_SIGNALS, recorder: false })
    await expect(kenchi.token('Log In')).rejects.toBeInstanceOf(KenchiClientError)
    await expect(kenchi.token('Log In')).rejects.toMatchObject({ code: 'action' })
    expect(requests).toHaveLength(0)
  })

  it('marks signals still running as timeout instead of waiting for them', async () => {
    const slow = { name: 'slow', collect: () => new Promise<number>((r) => setTimeout(() => r(1), 2000)) }
    const kenchi = createClient({ endpoint, signals: [slow], recorder: false, start: 'now', signalTimeout: 50 })
    const parsed = parseToken(await kenchi.token('login'))
    expect(parsed.ok && parsed.value.body.s.slow).toEqual({ e: 'timeout', d: 0 })
  })

  it('collects late signals after the first ones, and sends behaviour from a recorder started earlier', async () => {
    const recorder = startRecording({ trustedOnly: false })
    document.body.innerHTML = '<input id="a">'
    document.getElementById('a')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'q', bubbles: true }))
    const kenchi = createClient({
      endpoint,
      signals: CORE_SIGNALS,
      lateSignals: async () => [{ name: 'late', collect: () => 'here' }],
      recorder,
      start: 'now',
    })
    await kenchi.ready()
    const parsed = parseToken(await kenchi.token('login'))
    expect(parsed.ok && parsed.value.body.s.late).toMatchObject({ v: 'here' })
    expect(parsed.ok && parsed.value.body.b?.k?.length).toBe(2)
    recorder.stop()
  })

  it('validates actions exactly as the protocol does', () => {
    expect(String(ACTION_PATTERN)).toBe('/^[a-z][a-z0-9_-]{0,31}$/')
  })
})

describe('diagnostics in the console', () => {
  it('warns once per reason when the challenge endpoint refuses, naming the status, code, action and page origin', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const kenchi = createClient({ endpoint: `${ORIGIN}/refusing`, signals: CORE_SIGNALS, recorder: false })
      await expect(kenchi.token('login')).rejects.toMatchObject({
        code: 'challenge',
        message: 'challenge endpoint answered 403 CHALLENGE_ORIGIN without a challenge',
      })
      await expect(kenchi.token('login')).rejects.toBeInstanceOf(KenchiClientError)
      expect(warn.mock.calls).toEqual([
        [`Kenchi: ${ORIGIN}/refusing/challenge refused "login" from ${ORIGIN}: 403 CHALLENGE_ORIGIN; forms post without a token`],
      ])
    } finally {
      warn.mockRestore()
    }
  })

  it('createKenchi without workerUrl warns once; workerUrl: false is silent', async () => {
    vi.resetModules()
    const fresh = await import('./kenchi.js')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      fresh.createKenchi({ endpoint, recorder: false, workerUrl: false })
      expect(warn).not.toHaveBeenCalled()
      fresh.createKenchi({ endpoint, recorder: false })
      fresh.createKenchi({ endpoint, recorder: false })
      expect(warn).toHaveBeenCalledTimes(1)
      expect(String(warn.mock.calls[0]![0])).toContain('no workerUrl')
    } finally {
      warn.mockRestore()
    }
  })
})

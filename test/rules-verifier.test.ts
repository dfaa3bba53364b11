// The list, geography and content rules inside a real verifier with real signed tokens:
// decisions, monitor mode, the e-mail staying out of the event, and documentation of codes.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createVerifier, memoryStore, REASONS } from '@kenchi/server'
import {
  contentRule,
  defaultRules,
  emailDomainRule,
  foreignIpRule,
  foreignLanguageRule,
  ipListRule,
  userAgentListRule,
  type Rule,
} from '@kenchi/server/rules'
import { createList, geoFrom } from '@kenchi/server/lists'
import { humanSignals, tokenFor } from './support/tokens.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v
const geo = geoFrom((ip) => (ip.startsWith('133.242.') ? 'JP' : ip.startsWith('8.8.') ? 'US' : undefined))

async function verifierWith(rules: Rule[]) {
  const store = memoryStore()
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'test-secret-test-secret-test-secret-0001' }],
    origins: [ORIGIN],
    hashSecret: 'hash-secret-hash-secret-hash-secret-0001',
    store,
    rules: [...defaultRules(), ...rules],
  })
  const run = async (context: Record<string, unknown> & { action: string }, signals = humanSignals()) => {
    const { challenge } = await verifier.challenge({ action: context.action, origin: ORIGIN })
    return verifier.verify(await tokenFor(challenge, { signals }), { userAgent: UA, ...context })
  }
  return { run, store, verifier }
}

describe('list, geography and content rules in a verifier', () => {
  it('deny on a listed IP, allow others, and allow-listed IPs are exempt', async () => {
    const deny = createList('ip', ['8.8.8.0/24'])
    const { run } = await verifierWith([ipListRule({ deny, allow: ['8.8.8.8'] })])
    expect(await run({ action: 'login', ip: '8.8.8.1' })).toMatchObject({ decision: 'deny', reasons: [{ code: 'NEGATIVE_IP' }] })
    expect((await run({ action: 'login', ip: '8.8.8.8' })).decision).toBe('allow')
    expect((await run({ action: 'login', ip: '133.242.0.1' })).decision).toBe('allow')
  })

  it('block foreign registrations but let foreign logins through with an informative reason', async () => {
    const { run } = await verifierWith([foreignIpRule({ geo, policy: 'block-registration' }), foreignLanguageRule({ geo })])
    const reg = await run({ action: 'register', ip: '8.8.8.8' })
    expect(reg.decision).toBe('deny')
    expect(reg.reasons.map((r) => r.code)).toContain('FOREIGN_IP')
    const login = await run({ action: 'login', ip: '8.8.8.8' })
    expect(login.decision).toBe('allow')
    expect(login.reasons).toEqual([expect.objectContaining({ code: 'FOREIGN_IP', weight: 10 })])
    const english = await run({ action: 'login', ip: '8.8.8.8' }, { ...humanSignals(), languages: { v: ['en-US', 'en-US'], d: 0 } })
    expect(english.reasons.map((r) => r.code).sort()).toEqual(['FOREIGN_IP', 'FOREIGN_IP_AND_LANGUAGE'])
    expect(english.decision).toBe('allow')
  })

  it('challenge a disposable address on registration and keep the address out of the event', async () => {
    const { run, store, verifier } = await verifierWith([emailDomainRule()])
    const verdict = await run({ action: 'register', ip: '133.242.0.1', email: 'Someone@Mailinator.com' })
    expect(verdict).toMatchObject({ decision: 'challenge', reasons: [{ code: 'DISPOSABLE_EMAIL' }] })
    expect(await verifier.flush()).toBe(0) // the event is written behind the verdict
    const event = await store.getEvent(verdict.eventId)
    expect(JSON.stringify(event)).not.toMatch(/someone/i)
  })

  it('in monitor mode, record but do not decide', async () => {
    const { run } = await verifierWith([userAgentListRule({ deny: ['@null@'], mode: 'monitor' })])
    const verdict = await run(
      { action: 'login', ip: '133.242.0.1', userAgent: '' },
      { ...humanSignals(), userAgent: { e: 'failed', d: 0 } },
    )
    expect(verdict.decision).toBe('allow')
    expect(verdict.monitored).toEqual([expect.objectContaining({ code: 'BOT' })])
  })

  it('count identical inquiries through the verifier store', async () => {
    const { run } = await verifierWith([contentRule({ repeat: { threshold: 2 } })])
    const fields = { name: '山田 太郎', message: 'まだ届きません' }
    expect((await run({ action: 'inquiry', ip: '133.242.0.1', fields })).reasons).toEqual([])
    expect((await run({ action: 'inquiry', ip: '133.242.0.1', fields })).reasons).toMatchObject([{ code: 'CONTENT_REPEATED' }])
  })

  it('document every code they add', () => {
    const reasonsDoc = readFileSync(new URL('../docs/reasons.md', import.meta.url), 'utf8')
    const rulesDoc = readFileSync(new URL('../docs/rules.md', import.meta.url), 'utf8')
    const codes = [
      'NEGATIVE_IP',
      'BOT',
      'NG_DEVICE',
      'EMAIL_DOMAIN_DENIED',
      'DISPOSABLE_EMAIL',
      'FOREIGN_IP',
      'FOREIGN_IP_AND_LANGUAGE',
      'TOR_IP_MATCH',
      'DATACENTER_IP',
      'CONTENT_DENIED_STRING',
      'CONTENT_URL',
      'CONTENT_GIBBERISH',
      'CONTENT_REPEATED',
    ]
    for (const code of codes) {
      expect(Object.keys(REASONS), code).toContain(code)
      expect(reasonsDoc, code).toContain(`| \`${code}\` |`)
      expect(rulesDoc, code).toContain(code)
    }
  })
})

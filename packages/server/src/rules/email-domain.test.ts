import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { disposableDomains } from '../lists/disposable.js'
import { createList } from '../lists/list.js'
import { emailDomain, emailDomainRule } from './email-domain.js'

describe('emailDomain', () => {
  it('takes the part after the last @', () => {
    expect(emailDomain('Taro.Yamada@Example.CO.JP ')).toBe('example.co.jp')
    expect(emailDomain('"a@b"@example.com')).toBe('example.com')
    for (const bad of ['no-at', '@example.com', 'a@localhost', 'a@', undefined, 42, `a@${'x'.repeat(400)}.com`])
      expect(emailDomain(bad)).toBeUndefined()
  })
})

describe('disposableDomains', () => {
  it('holds the package list, shared, with well-known throwaway domains', () => {
    const list = disposableDomains()
    expect(list.size).toBeGreaterThan(1000)
    expect(list.has('mailinator.com')).toBe(true)
    expect(list.has('gmail.com')).toBe(false)
    expect(list.has('yahoo.co.jp')).toBe(false)
    expect(disposableDomains()).toBe(list)
  })
})

describe('emailDomainRule', () => {
  it('flags a disposable domain with DISPOSABLE_EMAIL (challenges alone, never denies alone)', async () => {
    const rule = emailDomainRule()
    const reasons = await rule.evaluate(ruleInput({ action: 'register', email: 'someone@mailinator.com' }))
    expect(reasons).toEqual([{ code: 'DISPOSABLE_EMAIL', weight: 50, detail: { domain: 'mailinator.com', match: 'mailinator.com' } }])
    expect(JSON.stringify(reasons)).not.toContain('someone')
    expect(await rule.evaluate(ruleInput({ action: 'register', email: 'x@sub.mailinator.com' }))).toMatchObject([
      { code: 'DISPOSABLE_EMAIL', detail: { match: 'mailinator.com' } },
    ])
    expect(await rule.evaluate(ruleInput({ action: 'register', email: 'taro@gmail.com' }))).toEqual([])
  })

  it('denies listed domains and their subdomains with EMAIL_DOMAIN_DENIED (hard)', async () => {
    const deny = createList('domain', ['spam.example'])
    const rule = emailDomainRule({ deny, disposable: false })
    expect(await rule.evaluate(ruleInput({ action: 'inquiry', email: 'a@spam.example' }))).toEqual([
      { code: 'EMAIL_DOMAIN_DENIED', weight: 100, detail: { domain: 'spam.example', match: 'spam.example' } },
    ])
    expect(await rule.evaluate(ruleInput({ action: 'inquiry', email: 'a@mx.spam.example' }))).toHaveLength(1)
    expect(await rule.evaluate(ruleInput({ action: 'inquiry', email: 'a@notspam.example' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ action: 'inquiry', email: 'a@mailinator.com' }))).toEqual([])
    deny.add('other.example')
    expect(await rule.evaluate(ruleInput({ action: 'inquiry', email: 'a@other.example' }))).toHaveLength(1)
  })

  it('checks only e-mail actions by default, or the configured ones', async () => {
    const byDefault = emailDomainRule({ deny: ['spam.example'] })
    for (const action of ['register', 'newsletter', 'inquiry', 'profile_update']) {
      expect(await byDefault.evaluate(ruleInput({ action, email: 'a@spam.example' })), action).toHaveLength(1)
    }
    expect(await byDefault.evaluate(ruleInput({ action: 'login', email: 'a@spam.example' }))).toEqual([])
    const onlyCheckout = emailDomainRule({ deny: ['spam.example'], actions: ['checkout'] })
    expect(await onlyCheckout.evaluate(ruleInput({ action: 'checkout', email: 'a@spam.example' }))).toHaveLength(1)
    expect(await onlyCheckout.evaluate(ruleInput({ action: 'register', email: 'a@spam.example' }))).toEqual([])
  })

  it('takes weights and a disposable allow-list, ignores missing addresses, validates', async () => {
    const rule = emailDomainRule({ disposableWeight: 30, disposableAllow: ['mailinator.com'] })
    expect(await rule.evaluate(ruleInput({ action: 'register', email: 'a@mailinator.com' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ action: 'register' }))).toEqual([])
    expect(
      await emailDomainRule({ disposableWeight: 30 }).evaluate(ruleInput({ action: 'register', email: 'a@mailinator.com' })),
    ).toMatchObject([{ weight: 30 }])
    expect(() => emailDomainRule({ disposableWeight: 0 })).toThrow(KenchiError)
    expect(() => emailDomainRule({ deny: ['not a domain'] })).toThrow(KenchiError)
    expect(() => emailDomainRule({ deny: createList('ip') })).toThrow(KenchiError)
  })
})

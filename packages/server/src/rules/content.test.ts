import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { createList } from '../lists/list.js'
import { memoryStore } from '../stores/memory.js'
import type { Store } from '../stores/types.js'
import { contentRule } from './content.js'

const inquiry = (fields: Record<string, unknown>, extra: { store?: Store; now?: number } = {}) =>
  ruleInput({ action: 'inquiry', fields }, extra)

describe('contentRule', () => {
  it('passes an honest Japanese inquiry', async () => {
    const rule = contentRule({ deny: ['casino'] })
    expect(
      await rule.evaluate(
        inquiry({
          name: '山田 太郎',
          kana: 'ヤマダ タロウ',
          address: '東京都新宿区西新宿2-8-1',
          body: '注文番号 ORDER-2024-000123 の配送日を教えてください。',
        }),
      ),
    ).toEqual([])
  })

  it('reports denied strings, case- and width-insensitively, naming fields but not text', async () => {
    const deny = createList('substring', ['Casino', '副業'])
    const rule = contentRule({ deny })
    const reasons = await rule.evaluate(inquiry({ body: 'Best ＣＡＳＩＮＯ bonus', name: '佐藤' }))
    expect(reasons).toEqual([{ code: 'CONTENT_DENIED_STRING', weight: 60, detail: { fields: ['body'], match: 'casino' } }])
    expect(JSON.stringify(reasons)).not.toContain('bonus')
    expect(await rule.evaluate(inquiry({ body: '簡単な副業で月収100万円' }))).toMatchObject([
      { code: 'CONTENT_DENIED_STRING', detail: { match: '副業' } },
    ])
    expect(await contentRule({ deny, denyWeight: 100 }).evaluate(inquiry({ body: 'casino' }))).toMatchObject([{ weight: 100 }])
  })

  it('reports URLs, except in fields meant for them', async () => {
    const rule = contentRule({ urlFields: ['website'] })
    expect(
      await rule.evaluate(inquiry({ body: 'see https://spam.example/a and www.spam.example', website: 'https://shop.example' })),
    ).toEqual([{ code: 'CONTENT_URL', weight: 30, detail: { fields: ['body'], count: 2 } }])
    expect(await rule.evaluate(inquiry({ website: 'https://shop.example' }))).toEqual([])
    expect(await contentRule({ urls: false }).evaluate(inquiry({ body: 'https://x.example' }))).toEqual([])
  })

  it('reports unreadable strings and Latin in Japanese-only fields', async () => {
    const rule = contentRule({ japaneseFields: ['kana'] })
    expect(await rule.evaluate(inquiry({ name: 'xK9fQ2mZ7pLw', body: 'hello' }))).toEqual([
      { code: 'CONTENT_GIBBERISH', weight: 30, detail: { fields: ['name'], finding: 'mixed-classes' } },
    ])
    expect(await rule.evaluate(inquiry({ kana: 'Yamada' }))).toMatchObject([{ detail: { fields: ['kana'], finding: 'no-japanese' } }])
    expect(await rule.evaluate(inquiry({ kana: 'ヤマダ' }))).toEqual([])
    expect(await contentRule({ gibberish: false }).evaluate(inquiry({ name: 'xK9fQ2mZ7pLw' }))).toEqual([])
  })

  it('counts identical submissions in a window, keyed by a hash', async () => {
    const store = memoryStore()
    const keys: string[] = []
    const spy: Store = { ...store, hit: (key, windowMs, now) => (keys.push(key), store.hit(key, windowMs, now)) }
    const rule = contentRule({ repeat: { threshold: 3, windowMs: 60_000 } })
    const t = 1_700_000_000_000
    const form = { name: '山田 太郎', body: 'サイズ交換を お願いします' }
    expect(await rule.evaluate(inquiry(form, { store: spy, now: t }))).toEqual([])
    // Same content after normalisation: width, case, spacing and field order do not matter.
    expect(
      await rule.evaluate(inquiry({ body: ' サイズ交換を\u3000\u3000お願いします ', name: '山田　太郎' }, { store: spy, now: t + 1000 })),
    ).toEqual([])
    expect(await rule.evaluate(inquiry(form, { store: spy, now: t + 2000 }))).toEqual([
      { code: 'CONTENT_REPEATED', weight: 50, detail: { count: 3, windowMs: 60_000, fields: ['body', 'name'] } },
    ])
    expect(await rule.evaluate(inquiry({ ...form, body: '別の内容' }, { store: spy, now: t + 3000 }))).toEqual([])
    expect(await rule.evaluate(inquiry(form, { store: spy, now: t + 200_000 }))).toEqual([])
    expect(keys.every((k) => /^content:[0-9a-f]{32}$/.test(k))).toBe(true)
    expect(new Set(keys).size).toBe(2)
    expect(keys.join()).not.toContain('山田')
  })

  it('keys the hash with hashKey and by action', async () => {
    const keys: string[] = []
    const store = memoryStore()
    const spy: Store = { ...store, hit: (key, w, n) => (keys.push(key), store.hit(key, w, n)) }
    await contentRule().evaluate(inquiry({ body: 'x' }, { store: spy }))
    await contentRule({ hashKey: 'a-secret-of-16-chars' }).evaluate(inquiry({ body: 'x' }, { store: spy }))
    await contentRule().evaluate(ruleInput({ action: 'register', fields: { body: 'x' } }, { store: spy }))
    expect(new Set(keys).size).toBe(3)
    expect(
      await contentRule({ repeat: false }).evaluate(
        inquiry({ body: 'x' }, { store: { ...store, hit: () => Promise.reject(new Error('unused')) } }),
      ),
    ).toEqual([])
  })

  it('checks only the configured fields and actions, ignores non-strings', async () => {
    const rule = contentRule({ fields: ['body'], repeat: false })
    expect(await rule.evaluate(inquiry({ name: 'https://x.example', body: 'ok' }))).toEqual([])
    expect(await rule.evaluate(inquiry({ body: 42, other: { url: 'https://x.example' } }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ action: 'login', fields: { body: 'https://x.example' } }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ action: 'register' }))).toEqual([])
    expect(
      await contentRule({ actions: ['login'], repeat: false }).evaluate(
        ruleInput({ action: 'login', fields: { body: 'https://x.example' } }),
      ),
    ).toHaveLength(1)
  })

  it('validates its options', () => {
    expect(() => contentRule({ fields: 'body' as never })).toThrow(KenchiError)
    expect(() => contentRule({ deny: createList('ip') })).toThrow(KenchiError)
    expect(() => contentRule({ urlWeight: 0 })).toThrow(KenchiError)
    expect(() => contentRule({ repeat: { threshold: 1 } })).toThrow(KenchiError)
    expect(() => contentRule({ repeat: { windowMs: 10 } })).toThrow(KenchiError)
    expect(() => contentRule({ repeat: { weight: 101 } })).toThrow(KenchiError)
    expect(() => contentRule({ hashKey: 'short' })).toThrow(KenchiError)
    expect(contentRule({ mode: 'monitor' }).mode).toBe('monitor')
  })
})

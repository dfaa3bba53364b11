import { describe, expect, it } from 'vitest'
import { countUrls, gibberish, normaliseText } from './text.js'

describe('normaliseText', () => {
  it('folds width and case and collapses white space', () => {
    expect(normaliseText('  ＦＲＥＥ\t Money\n\n ')).toBe('free money')
  })
})

describe('countUrls', () => {
  it('finds scheme URLs, www hosts and hosts with a path, full-width too', () => {
    expect(countUrls('see https://spam.example/x and http://a.b')).toBe(2)
    expect(countUrls('visit www.example.com today')).toBe(1)
    expect(countUrls('go to example.com/cheap now')).toBe(1)
    expect(countUrls('ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ')).toBe(1)
    expect(countUrls('hxxp://evil.example')).toBe(1)
  })
  it('leaves ordinary text, e-mail addresses, decimals and Japanese alone', () => {
    expect(countUrls('Please call me at 03-1234-5678. Price 1.5 kg.')).toBe(0)
    expect(countUrls('my address is taro@example.com')).toBe(0)
    expect(countUrls('東京都千代田区丸の内1-1-1 ビル3F')).toBe(0)
    expect(countUrls('e.g. this, i.e. that')).toBe(0)
  })
})

describe('gibberish', () => {
  it('passes real Japanese names and addresses in kanji and kana', () => {
    for (const text of [
      '山田 太郎',
      'ヤマダ タロウ',
      'やまだ たろう',
      '東京都新宿区西新宿2-8-1',
      '大阪府大阪市北区梅田3丁目1-3 ノースゲートビル 12F',
      '〒100-0005',
      '髙橋 﨑',
      'ｻﾄｳ ﾊﾅｺ',
    ]) {
      expect(gibberish(text), text).toBeUndefined()
    }
  })

  it('passes normal English, romanised Japanese, codes and product names', () => {
    for (const text of [
      'Hello, I would like to know when the blue jacket will be back in stock. Thanks!',
      'The strengths of Knightsbridge rhythms',
      'Schwarzkopf',
      'Tsukuba Shinjuku Ryuichi Sakamoto Kyoto',
      'iPhone15Pro',
      'ORDER-2024-000123',
      'AB12345678',
      'MacBook Air M3',
      'contact me at someone.xyzqw@example.com',
      'See https://example.com/aZ9xQ2mK7pL4',
      'property liberty',
      'jazz quiz',
    ]) {
      expect(gibberish(text), text).toBeUndefined()
    }
  })

  it('finds random-looking strings', () => {
    expect(gibberish('kqzjwmfbpa')).toBe('consonant-run')
    expect(gibberish('Name: xvbnmqwrtp')).toBe('consonant-run')
    expect(gibberish('bcdfgabcdfgh')).toBe('few-vowels')
    expect(gibberish('sdfghjkl')).toBeDefined()
    expect(gibberish('xK9fQ2mZ7pLw')).toBe('mixed-classes')
    expect(gibberish('山田 aB3dE5gH7jK9')).toBe('mixed-classes')
    expect(gibberish('asdfgasdfg')).toBe('keyboard-row')
    expect(gibberish('qwerty')).toBe('keyboard-row')
  })

  it('with expectJapanese, flags Latin-only values', () => {
    expect(gibberish('Yamada Taro', { expectJapanese: true })).toBe('no-japanese')
    expect(gibberish('ヤマダ タロウ', { expectJapanese: true })).toBeUndefined()
    expect(gibberish('12345', { expectJapanese: true })).toBeUndefined()
  })
})

describe('gibberish on generated strings (measured rates, documented in docs/rules.md)', () => {
  let seed = 1
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  const make = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
  const rate = (alphabet: string, length: number) => {
    let found = 0
    for (let i = 0; i < 1000; i++) if (gibberish(make(alphabet, length)) !== undefined) found++
    return found / 1000
  }
  const BASE62 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

  it('finds most random base62 tokens and some random lower-case ones', () => {
    expect(rate(BASE62, 12)).toBeGreaterThan(0.8)
    expect(rate(BASE62, 16)).toBeGreaterThan(0.85)
    expect(rate('abcdefghijklmnopqrstuvwxyz', 14)).toBeGreaterThan(0.3)
  })
})

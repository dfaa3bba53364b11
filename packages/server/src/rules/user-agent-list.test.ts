import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { loadList } from '../lists/list.js'
import { userAgentListRule } from './user-agent-list.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'

describe('userAgentListRule', () => {
  it('flags a listed substring with BOT and says which', async () => {
    const rule = userAgentListRule({ deny: ['python-requests', 'Go-http-client'] })
    expect(await rule.evaluate(ruleInput({ userAgent: 'python-requests/2.32.3' }))).toEqual([
      { code: 'BOT', weight: 100, detail: { match: 'python-requests' } },
    ])
    expect(await rule.evaluate(ruleInput({ userAgent: 'go-http-client/1.1' }))).toMatchObject([{ detail: { match: 'go-http-client' } }])
    expect(await rule.evaluate(ruleInput({ userAgent: CHROME }))).toEqual([])
  })

  it('treats @null@ as an empty or missing User-Agent, and only then', async () => {
    const rule = userAgentListRule({ deny: ['@null@'] })
    expect(await rule.evaluate(ruleInput({}))).toEqual([{ code: 'BOT', weight: 100, detail: { match: '@null@' } }])
    expect(await rule.evaluate(ruleInput({ userAgent: '   ' }))).toMatchObject([{ detail: { match: '@null@' } }])
    expect(await rule.evaluate(ruleInput({ userAgent: CHROME }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ userAgent: 'x @null@ y' }))).toEqual([])
    expect(await userAgentListRule({ deny: ['curl'] }).evaluate(ruleInput({}))).toEqual([])
  })

  it('reads the platform file format and follows reloads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kenchi-ua-'))
    try {
      const path = join(dir, 'ua.txt')
      await writeFile(path, '# scripted clients\ncurl/\n@null@\n\nHeadlessChrome # old headless\n')
      const deny = await loadList(path, { kind: 'substring' })
      const rule = userAgentListRule({ deny })
      expect(await rule.evaluate(ruleInput({ userAgent: 'curl/8.5.0' }))).toMatchObject([{ detail: { match: 'curl/' } }])
      expect(await rule.evaluate(ruleInput({ userAgent: 'Mozilla/5.0 HeadlessChrome/156' }))).toMatchObject([
        { detail: { match: 'headlesschrome' } },
      ])
      expect(await rule.evaluate(ruleInput({ userAgent: '' }))).toHaveLength(1)
      await writeFile(path, 'wget\n')
      await deny.reload()
      expect(await rule.evaluate(ruleInput({ userAgent: 'curl/8.5.0' }))).toEqual([])
      expect(await rule.evaluate(ruleInput({ userAgent: '' }))).toEqual([])
      expect(await rule.evaluate(ruleInput({ userAgent: 'Wget/1.21' }))).toHaveLength(1)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('honours the allow-list, actions and mode, and validates', async () => {
    const rule = userAgentListRule({ deny: ['curl'], allow: ['192.0.2.0/24'], actions: ['register'], mode: 'monitor', weight: 40 })
    expect(rule.mode).toBe('monitor')
    expect(await rule.evaluate(ruleInput({ action: 'register', userAgent: 'curl', ip: '192.0.2.1' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ action: 'register', userAgent: 'curl', ip: '198.51.100.1' }))).toMatchObject([{ weight: 40 }])
    expect(await rule.evaluate(ruleInput({ action: 'login', userAgent: 'curl' }))).toEqual([])
    expect(() => userAgentListRule({} as never)).toThrow(KenchiError)
    expect(() => userAgentListRule({ deny: [''] })).toThrow(KenchiError)
  })
})

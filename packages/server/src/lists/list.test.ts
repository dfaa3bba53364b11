import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KenchiError } from '../errors.js'
import { createList, listOption, loadList, parseList } from './list.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kenchi-list-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('parseList', () => {
  it('reads one entry a line, drops comments and blank lines', () => {
    const text = '# bots\r\npython-requests\n\n  curl/   # command line\n@null@\nfoo#bar\n   \n#end'
    expect(parseList(text)).toEqual(['python-requests', 'curl/', '@null@', 'foo#bar'])
  })
})

describe('createList', () => {
  it('exact lists match whole values, case-sensitively', () => {
    const list = createList('exact', ['AbC'])
    expect(list.has('AbC')).toBe(true)
    expect(list.has('abc')).toBe(false)
    expect(list.has('xAbC')).toBe(false)
    expect(list.has(undefined)).toBe(false)
  })

  it('substring lists match anywhere, ignoring case, and say which entry', () => {
    const list = createList('substring', ['Python-Requests', 'curl/'])
    expect(list.match('python-requests/2.31')).toBe('python-requests')
    expect(list.match('Mozilla/5.0 CURL/8.0')).toBe('curl/')
    expect(list.has('Mozilla/5.0 (Windows NT 10.0)')).toBe(false)
    expect(list.has('')).toBe(false)
  })

  it('domain lists match the domain and its subdomains only', () => {
    const list = createList('domain', ['Example.COM', '@spam.jp'])
    expect(list.match('example.com')).toBe('example.com')
    expect(list.match('mail.EXAMPLE.com')).toBe('example.com')
    expect(list.match('a.b.spam.jp.')).toBe('spam.jp')
    expect(list.has('notexample.com')).toBe(false)
    expect(list.has('example.com.evil.net')).toBe(false)
    expect(() => createList('domain', ['not a domain'])).toThrow(KenchiError)
  })

  it('ip lists match addresses and CIDR ranges in IPv4 and IPv6', () => {
    const list = createList('ip', ['192.0.2.7', '198.51.100.0/24', '2001:db8::/32', '::ffff:203.0.113.0/120', '2001:0DB9::1'])
    expect(list.match('192.0.2.7')).toBe('192.0.2.7')
    expect(list.has('192.0.2.8')).toBe(false)
    expect(list.match('198.51.100.255')).toBe('198.51.100.0/24')
    expect(list.has('198.51.101.0')).toBe(false)
    expect(list.match('2001:db8:ffff::1')).toBe('2001:db8::/32')
    expect(list.has('2001:db9::2')).toBe(false)
    expect(list.match('2001:db9:0::1')).toBe('2001:db9::1')
    expect(list.match('203.0.113.200')).toBe('203.0.113.0/24')
    expect(list.match('::ffff:198.51.100.3')).toBe('198.51.100.0/24')
    expect(list.has('not an ip')).toBe(false)
  })

  it('normalises a range to its network address', () => {
    expect(createList('ip', ['10.1.2.3/8', '2001:db8::1/64', '10.0.0.1/32']).entries()).toEqual(['10.0.0.0/8', '2001:db8::/64', '10.0.0.1'])
  })

  it('refuses invalid IP entries and keeps the old ones', () => {
    const list = createList('ip', ['10.0.0.0/8'])
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', 'example.com', '10.0.0.0/x', '']) {
      expect(() => list.add(bad), bad).toThrow(KenchiError)
      expect(() => list.replace(['192.0.2.1', bad]), bad).toThrow(KenchiError)
    }
    expect(list.entries()).toEqual(['10.0.0.0/8'])
  })

  it('changes at run time with add, remove and replace', () => {
    const list = createList('ip')
    expect(list.has('192.0.2.1')).toBe(false)
    list.add('192.0.2.1', '198.51.100.0/24')
    expect(list.size).toBe(2)
    expect(list.has('192.0.2.1')).toBe(true)
    list.remove('192.0.2.1')
    expect(list.has('192.0.2.1')).toBe(false)
    expect(list.has('198.51.100.9')).toBe(true)
    list.replace(['2001:db8::1'])
    expect(list.has('198.51.100.9')).toBe(false)
    expect(list.has('2001:db8:0::1')).toBe(true)
    expect(() => createList('bogus' as never)).toThrow(KenchiError)
  })
})

describe('loadList', () => {
  it('reads a file and reloads it, keeping the old entries when the file is bad or gone', async () => {
    const path = join(dir, 'ips.txt')
    await writeFile(path, '# block\n192.0.2.0/24\n')
    const list = await loadList(path, { kind: 'ip' })
    expect(list.has('192.0.2.5')).toBe(true)
    await writeFile(path, '198.51.100.1 # one host\n')
    await list.reload()
    expect(list.has('192.0.2.5')).toBe(false)
    expect(list.has('198.51.100.1')).toBe(true)
    await writeFile(path, 'garbage\n')
    await expect(list.reload()).rejects.toThrow(KenchiError)
    await rm(path)
    await expect(list.reload()).rejects.toThrow()
    expect(list.entries()).toEqual(['198.51.100.1'])
    expect(list.path).toBe(path)
  })

  it('defaults to exact lists', async () => {
    const path = join(dir, 'devices.txt')
    await writeFile(path, 'dev-1\ndev-2\n')
    const list = await loadList(path)
    expect(list.kind).toBe('exact')
    expect(list.has('dev-2')).toBe(true)
  })
})

describe('listOption', () => {
  it('takes arrays or lists of the right kind', () => {
    expect(listOption('r', 'deny', 'ip', ['10.0.0.0/8'])?.has('10.2.3.4')).toBe(true)
    expect(listOption('r', 'deny', 'ip', undefined)).toBeUndefined()
    expect(() => listOption('r', 'deny', 'ip', ['nope'])).toThrow(/r: deny/)
    expect(() => listOption('r', 'deny', 'ip', createList('exact', ['a']))).toThrow(KenchiError)
    expect(() => listOption('r', 'deny', 'ip', 'x' as never)).toThrow(KenchiError)
  })
})

import { describe, expect, it } from 'vitest'
import { isIp, isLocalIp, parseIp } from './ip.js'

describe('parseIp', () => {
  it('reads IPv4, IPv6 and IPv4-mapped IPv6', () => {
    expect(parseIp('192.0.2.1')?.toString()).toBe('192.0.2.1')
    expect(parseIp('2001:DB8:0:0::1')?.toString()).toBe('2001:db8::1')
    expect(parseIp('::ffff:203.0.113.9')?.toString()).toBe('203.0.113.9')
    expect(parseIp('fe80::1%eth0')?.toString()).toBe('fe80::1')
  })
  it('refuses anything else without throwing', () => {
    for (const bad of [
      '',
      'localhost',
      '1.2.3',
      '0x7f.1',
      '010.0.0.1',
      '1.2.3.4.5',
      '300.1.1.1',
      ':::',
      42,
      undefined,
      null,
      'a'.repeat(100),
    ]) {
      expect(parseIp(bad), String(bad)).toBeUndefined()
    }
  })
})

describe('isIp', () => {
  it('says exactly whether parseIp reads a value', () => {
    const values = [
      '192.0.2.1',
      ' 192.0.2.1 ',
      '0.0.0.0',
      '255.255.255.255',
      '256.0.0.1',
      '010.0.0.1',
      '0x7f.1',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.4%eth0',
      '2001:DB8:0:0::1',
      '::ffff:203.0.113.9',
      'fe80::1%eth0',
      ':::',
      '',
      'localhost',
      'a'.repeat(100),
      42,
      undefined,
      null,
    ]
    for (const value of values) expect(isIp(value), String(value)).toBe(parseIp(value) !== undefined)
  })
})

describe('isLocalIp', () => {
  it('knows loopback, private, unique-local, link-local and CGNAT ranges', () => {
    for (const ip of [
      '127.0.0.1',
      '127.5.5.5',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.1.1',
      '::1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '0.0.0.0',
      '::',
      '192.0.2.1',
      '2001:db8::1',
    ]) {
      expect(isLocalIp(ip), ip).toBe(true)
    }
  })
  it('treats public addresses as public', () => {
    for (const ip of ['8.8.8.8', '133.242.0.1', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.4.4']) {
      expect(isLocalIp(ip), ip).toBe(false)
    }
  })
})

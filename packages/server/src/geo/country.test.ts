import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KenchiError } from '../errors.js'
import { createGeo, defaultCountryDatabase, geoFrom } from './country.js'

describe('createGeo (DB-IP Lite country database from the package)', () => {
  it('finds countries for IPv4 and IPv6 addresses', async () => {
    const geo = await createGeo()
    expect(geo.country('133.242.0.1')).toBe('JP') // SAKURA Internet, Osaka
    expect(geo.country('210.140.92.1')).toBe('JP')
    expect(geo.country('8.8.8.8')).toBe('US')
    expect(geo.country('::ffff:133.242.0.1')).toBe('JP')
    expect(geo.country('2001:4860:4860::8888')).toMatch(/^[A-Z]{2}$/)
  })

  it('answers undefined for local, private and invalid addresses', async () => {
    const geo = await createGeo()
    for (const ip of ['127.0.0.1', '10.0.0.1', '192.168.0.10', '::1', 'fd00::1', 'nonsense', '', undefined]) {
      expect(geo.country(ip), String(ip)).toBeUndefined()
    }
  })

  it('rejects with CONFIG_GEO for a missing or broken database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kenchi-geo-'))
    try {
      await expect(createGeo({ database: join(dir, 'missing.mmdb') })).rejects.toMatchObject({ code: 'CONFIG_GEO' })
      await writeFile(join(dir, 'broken.mmdb'), 'not a database')
      await expect(createGeo({ database: join(dir, 'broken.mmdb') })).rejects.toThrow(KenchiError)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('ships the database file in the package', () => {
    expect(defaultCountryDatabase()).toMatch(/dbip-country\.mmdb$/)
  })
})

describe('geoFrom', () => {
  it('wraps a lookup, upper-cases codes and keeps local addresses unknown', () => {
    const geo = geoFrom((ip) => (ip.startsWith('8.8.') ? 'us' : ip === '9.9.9.9' ? 'not-a-code' : undefined))
    expect(geo.country('8.8.4.4')).toBe('US')
    expect(geo.country('9.9.9.9')).toBeUndefined()
    expect(geo.country('10.0.0.1')).toBeUndefined()
    expect(geo.country(undefined)).toBeUndefined()
  })
})

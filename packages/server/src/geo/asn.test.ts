import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { KenchiError } from '../errors.js'
import { createHostingNetworks } from './asn.js'

const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/${name}`, import.meta.url))
const files = [fixture('asn-ipv4.csv'), fixture('asn-ipv6.csv')]

describe('createHostingNetworks', () => {
  it('keeps the ranges of hosting ASNs and finds addresses in them (IPv4, IPv6)', async () => {
    const networks = await createHostingNetworks({ files })
    expect(networks.size).toBe(4)
    expect(networks.lookup('3.5.141.7')).toEqual({ asn: 16509, org: 'Amazon.com, Inc.' })
    expect(networks.lookup('27.133.130.1')).toEqual({ asn: 9370, org: 'SAKURA Internet Inc.' })
    expect(networks.lookup('2400:6180::1')).toEqual({ asn: 14061, org: 'DigitalOcean, LLC' })
    expect(networks.lookup('::ffff:45.76.1.1')).toMatchObject({ asn: 20473 })
    expect(networks.lookup('60.33.1.1')).toBeUndefined() // NTT: a consumer ISP
    expect(networks.lookup('2400:4001::1')).toBeUndefined()
    expect(networks.lookup('1.0.0.1')).toBeUndefined()
    expect(networks.lookup('3.5.144.0')).toBeUndefined()
    expect(networks.lookup('10.0.0.1')).toBeUndefined()
    expect(networks.lookup('garbage')).toBeUndefined()
  })

  it('takes its own ASNs and organisation patterns, quoted names included', async () => {
    const networks = await createHostingNetworks({ files, asns: [4713], orgPatterns: [/hosting/i] })
    expect(networks.lookup('60.40.0.1')).toMatchObject({ asn: 4713 })
    expect(networks.lookup('2400:4000::5')).toMatchObject({ asn: 4713 })
    expect(networks.lookup('185.100.0.9')).toEqual({ asn: 64500, org: 'LLC "EXAMPLE HOSTING"' })
    expect(networks.lookup('3.5.141.7')).toBeUndefined()
  })

  it('reads the real database of @ip-location-db/asn', async () => {
    const networks = await createHostingNetworks()
    expect(networks.size).toBeGreaterThan(1000)
    expect(networks.lookup('27.133.130.1')).toMatchObject({ asn: 9370 })
    expect(networks.lookup('2400:6180::1')).toMatchObject({ asn: 14061 })
  }, 60_000)

  it('rejects bad options and unreadable files', async () => {
    await expect(createHostingNetworks({ files: [fixture('missing.csv')] })).rejects.toMatchObject({ code: 'CONFIG_GEO' })
    await expect(createHostingNetworks({ files: [fixture('torbulkexitlist.txt')] })).rejects.toThrow(/no ASN rows/)
    await expect(createHostingNetworks({ asns: [-1] })).rejects.toThrow(KenchiError)
    await expect(createHostingNetworks({ orgPatterns: ['x' as never] })).rejects.toThrow(KenchiError)
  })
})

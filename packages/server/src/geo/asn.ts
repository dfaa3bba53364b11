import { createReadStream } from 'node:fs'
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import { KenchiError } from '../errors.js'
import { isLocalIp, parseIp, type IpAddress } from '../lists/ip.js'

/**
 * Hosting and cloud networks by autonomous system number: a starting point, not a
 * complete list. Traffic from them is servers, VPNs and proxies, rarely a shopper at home.
 */
export const DEFAULT_HOSTING_ASNS: Readonly<Record<number, string>> = {
  16509: 'Amazon Web Services',
  14618: 'Amazon Web Services',
  396982: 'Google Cloud',
  8075: 'Microsoft Azure',
  14061: 'DigitalOcean',
  16276: 'OVH',
  24940: 'Hetzner',
  63949: 'Akamai (Linode)',
  20473: 'Vultr (Choopa)',
  51167: 'Contabo',
  45102: 'Alibaba Cloud',
  132203: 'Tencent Cloud',
  31898: 'Oracle Cloud',
  12876: 'Scaleway',
  60781: 'Leaseweb',
  36352: 'ColoCrossing',
  9009: 'M247',
  9370: 'SAKURA Internet',
  7684: 'SAKURA Internet',
}

export interface HostingNetworksOptions {
  /** Hosting AS numbers. Default the keys of `DEFAULT_HOSTING_ASNS`. */
  asns?: readonly number[]
  /** Organisation-name patterns that also count as hosting (e.g. `/hosting|datacenter/i`). Default none. */
  orgPatterns?: readonly RegExp[]
  /**
   * The ASN CSV files (`start,end,asn,org`, as in `@ip-location-db/asn`). Default the
   * files of that package, which you install yourself (`npm i @ip-location-db/asn`:
   * about 60 MB, CC BY 4.0 by Route Views and DB-IP.com).
   */
  files?: readonly string[]
}

/** The hosting networks found in the ASN database. */
export interface HostingNetworks {
  /** The hosting network `ip` belongs to, or `undefined`. Local addresses are never hosting. */
  lookup(ip: string | undefined): { asn: number; org: string } | undefined
  /** Number of address ranges kept. */
  readonly size: number
}

interface Range {
  start: bigint
  end: bigint
  asn: number
  org: string
}

function toBig(address: IpAddress): bigint {
  let n = 0n
  for (const b of address.toByteArray()) n = (n << 8n) | BigInt(b)
  return n
}

/** Splits one CSV line with quoted fields (`"a, b"`, `""` for a quote). */
function splitCsv(line: string): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(field)
      field = ''
    } else field += ch
  }
  out.push(field)
  return out
}

/**
 * Reads the ASN database once, keeping only the ranges of hosting networks (by AS number
 * or organisation name), for `datacenterRule`. Takes a few seconds for the full
 * database; call it at start-up. Rejects with `KenchiError` (`CONFIG_GEO`) when a file is
 * missing or holds no valid row.
 */
export async function createHostingNetworks(options: HostingNetworksOptions = {}): Promise<HostingNetworks> {
  const asnList = options.asns ?? Object.keys(DEFAULT_HOSTING_ASNS).map(Number)
  if (!Array.isArray(asnList) || asnList.some((a) => !Number.isInteger(a) || a <= 0)) {
    throw new KenchiError('CONFIG_GEO', 'createHostingNetworks: asns must be an array of AS numbers')
  }
  const patterns = options.orgPatterns ?? []
  if (!Array.isArray(patterns) || patterns.some((p) => !(p instanceof RegExp))) {
    throw new KenchiError('CONFIG_GEO', 'createHostingNetworks: orgPatterns must be an array of regular expressions')
  }
  const asns = new Set(asnList)
  let files = options.files
  if (files === undefined) {
    try {
      const require = createRequire(import.meta.url)
      files = [require.resolve('@ip-location-db/asn/asn-ipv4.csv'), require.resolve('@ip-location-db/asn/asn-ipv6.csv')]
    } catch (error) {
      throw new KenchiError('CONFIG_GEO', 'createHostingNetworks: install the ASN database (npm i @ip-location-db/asn) or pass files', {
        cause: error,
      })
    }
  }
  const v4: Range[] = []
  const v6: Range[] = []
  for (const file of files) {
    let rows = 0
    try {
      const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
      for await (const line of lines) {
        if (line.length === 0 || line.startsWith('#')) continue
        const [startText, endText, asnText, org = ''] = splitCsv(line)
        const asn = Number(asnText)
        if (!Number.isInteger(asn) || asn <= 0) continue
        rows++
        if (!asns.has(asn) && !patterns.some((p) => p.test(org))) continue
        const start = parseIp(startText)
        const end = parseIp(endText)
        if (start === undefined || end === undefined || start.kind() !== end.kind()) continue
        ;(start.kind() === 'ipv4' ? v4 : v6).push({ start: toBig(start), end: toBig(end), asn, org })
      }
    } catch (error) {
      throw new KenchiError('CONFIG_GEO', `createHostingNetworks: cannot read ${file}: ${(error as Error).message}`, { cause: error })
    }
    if (rows === 0) throw new KenchiError('CONFIG_GEO', `createHostingNetworks: no ASN rows in ${file}`)
  }
  for (const list of [v4, v6]) list.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
  return {
    size: v4.length + v6.length,
    lookup(ip) {
      const address = parseIp(ip)
      if (address === undefined || isLocalIp(ip)) return undefined
      const list = address.kind() === 'ipv4' ? v4 : v6
      const n = toBig(address)
      let lo = 0
      let hi = list.length - 1
      while (lo <= hi) {
        const mid = (lo + hi) >> 1
        const r = list[mid]!
        if (n < r.start) hi = mid - 1
        else if (n > r.end) lo = mid + 1
        else return { asn: r.asn, org: r.org }
      }
      return undefined
    },
  }
}

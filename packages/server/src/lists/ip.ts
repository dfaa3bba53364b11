import ipaddr from 'ipaddr.js'

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6

/**
 * Parses an IP address written the ordinary way (dotted-quad IPv4 or IPv6), unwrapping
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1` → `192.0.2.1`). Returns `undefined` for anything
 * else, including the legacy octal/hex IPv4 forms `inet_aton` accepts. Never throws.
 */
export function parseIp(value: unknown): IpAddress | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return undefined
  let text = value.trim()
  const zone = text.indexOf('%')
  if (zone > 0) text = text.slice(0, zone)
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text)
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return undefined
  try {
    return ipaddr.process(text)
  } catch {
    return undefined
  }
}

/**
 * Whether `value` is an address `parseIp` reads, without building it: a dotted quad is
 * checked by its pattern alone (the verifier checks every request's IP; a rejected token's
 * request needs no parsed address).
 */
export function isIp(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false
  const text = value.trim()
  if (text.indexOf('%') === -1 && ipaddr.IPv4.isValidFourPartDecimal(text)) return true
  return parseIp(value) !== undefined
}

/** The canonical text of an address: dotted quad, or RFC 5952 compact IPv6. */
export function formatIp(address: IpAddress): string {
  return address.toString()
}

const LOCAL_RANGES = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'reserved',
  'uniqueLocal',
  'benchmarking',
])

/**
 * True for addresses that are not on the public internet: loopback (127.0.0.0/8, ::1),
 * private (10/8, 172.16/12, 192.168/16), unique local (fc00::/7), link local, carrier-grade
 * NAT (100.64/10), unspecified, multicast, documentation and other reserved ranges. Such
 * an address is never "foreign". Also true for a value that is not an IP address at all.
 */
export function isLocalIp(value: unknown): boolean {
  const address = parseIp(value)
  return address === undefined || LOCAL_RANGES.has(address.range())
}

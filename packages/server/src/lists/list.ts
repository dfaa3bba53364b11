import { readFile } from 'node:fs/promises'
import ipaddr from 'ipaddr.js'
import { KenchiError } from '../errors.js'
import { formatIp, parseIp, type IpAddress } from './ip.js'

/**
 * How a list matches a value:
 * - `exact`: the value equals an entry (device ids);
 * - `substring`: an entry occurs in the value, ignoring case (User-Agent block list,
 *   denied content strings);
 * - `domain`: the value is an entry or a subdomain of one, ignoring case (e-mail domains);
 * - `ip`: the value is an entry's address or inside an entry's CIDR range (IPv4 and IPv6).
 */
export type ListKind = 'exact' | 'substring' | 'domain' | 'ip'

/**
 * A list a rule reads on every evaluation, so changes apply to the next request. Changes
 * are synchronous and replace the list's index in one assignment: in one Node process a
 * verification sees either the old or the new list, never half of each. Several processes
 * each hold their own copy: change or reload every one of them.
 */
export interface KenchiList {
  readonly kind: ListKind
  /** Number of entries. */
  readonly size: number
  /** Adds entries; throws `KenchiError` (`CONFIG_LIST`) for an invalid one and then adds none. */
  add(...entries: string[]): void
  /** Removes entries (as written when added; IP entries in any spelling). */
  remove(...entries: string[]): void
  /** Replaces every entry at once; throws (`CONFIG_LIST`) and keeps the old entries if one is invalid. */
  replace(entries: Iterable<string>): void
  /** True when `value` matches an entry (see `ListKind`). */
  has(value: string | undefined): boolean
  /** The entry `value` matches, or `undefined`. */
  match(value: string | undefined): string | undefined
  /** The entries, normalised, in insertion order. */
  entries(): string[]
}

/** A list read from a file, which `reload()` reads again. */
export interface FileBackedList extends KenchiList {
  readonly path: string
  /** Reads the file again and replaces the entries; on failure rejects and keeps the old entries. */
  reload(): Promise<void>
}

/**
 * Parses the block-list file format: one entry per line; `#` at the start of a line or
 * after white space starts a comment; lines are trimmed; blank lines are ignored.
 * (`@null@` is an ordinary entry here; the User-Agent rule reads it as "empty User-Agent".)
 */
export function parseList(text: string): string[] {
  const out: string[] = []
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (line.length > 0) out.push(line)
  }
  return out
}

interface Index {
  entries: string[]
  set: Set<string>
  ranges: Array<{ address: IpAddress; bits: number; entry: string }>
}

function normalise(kind: ListKind, entry: string): string {
  if (typeof entry !== 'string') throw new KenchiError('CONFIG_LIST', `list entries must be strings`)
  const text = entry.trim()
  if (text.length === 0) throw new KenchiError('CONFIG_LIST', `empty list entry`)
  switch (kind) {
    case 'exact':
      return text
    case 'substring':
      return text.toLowerCase()
    case 'domain': {
      const d = text.toLowerCase().replace(/^@/, '').replace(/^\*\./, '').replace(/\.$/, '')
      if (
        !/^[a-z0-9\u0080-\uffff]([a-z0-9\u0080-\uffff-]*[a-z0-9\u0080-\uffff])?(\.[a-z0-9\u0080-\uffff]([a-z0-9\u0080-\uffff-]*[a-z0-9\u0080-\uffff])?)*$/.test(
          d,
        )
      ) {
        throw new KenchiError('CONFIG_LIST', `not a domain: ${JSON.stringify(entry)}`)
      }
      return d
    }
    case 'ip': {
      const slash = text.indexOf('/')
      const address = parseIp(slash < 0 ? text : text.slice(0, slash))
      if (address === undefined) throw new KenchiError('CONFIG_LIST', `not an IP address or CIDR range: ${JSON.stringify(entry)}`)
      if (slash < 0) return formatIp(address)
      const bitsText = text.slice(slash + 1)
      // An IPv4-mapped IPv6 range (::ffff:a.b.c.d/96+n) is read as the IPv4 range /n.
      let bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN
      if (address.kind() === 'ipv4' && text.slice(0, slash).includes(':')) bits -= 96
      const max = address.kind() === 'ipv4' ? 32 : 128
      if (!(bits >= 0 && bits <= max)) throw new KenchiError('CONFIG_LIST', `bad prefix length: ${JSON.stringify(entry)}`)
      if (bits === max) return formatIp(address)
      const cidr = `${formatIp(address)}/${bits}`
      const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr)
      return `${network}/${bits}`
    }
  }
}

function buildIndex(kind: ListKind, entries: string[]): Index {
  const unique = [...new Set(entries)]
  const index: Index = { entries: unique, set: new Set(), ranges: [] }
  for (const entry of unique) {
    if (kind === 'ip' && entry.includes('/')) {
      const [addr, bits] = entry.split('/') as [string, string]
      index.ranges.push({ address: parseIp(addr)!, bits: Number(bits), entry })
    } else {
      index.set.add(entry)
    }
  }
  return index
}

class List implements KenchiList {
  protected index: Index
  constructor(
    readonly kind: ListKind,
    entries: Iterable<string> = [],
  ) {
    this.index = buildIndex(
      kind,
      [...entries].map((e) => normalise(kind, e)),
    )
  }
  get size(): number {
    return this.index.entries.length
  }
  add(...entries: string[]): void {
    const added = entries.map((e) => normalise(this.kind, e))
    this.index = buildIndex(this.kind, [...this.index.entries, ...added])
  }
  remove(...entries: string[]): void {
    const gone = new Set(
      entries.map((e) => {
        try {
          return normalise(this.kind, e)
        } catch {
          return undefined
        }
      }),
    )
    this.index = buildIndex(
      this.kind,
      this.index.entries.filter((e) => !gone.has(e)),
    )
  }
  replace(entries: Iterable<string>): void {
    this.index = buildIndex(
      this.kind,
      [...entries].map((e) => normalise(this.kind, e)),
    )
  }
  has(value: string | undefined): boolean {
    return this.match(value) !== undefined
  }
  match(value: string | undefined): string | undefined {
    if (typeof value !== 'string' || value.length === 0) return undefined
    const { set, ranges, entries } = this.index
    switch (this.kind) {
      case 'exact':
        return set.has(value) ? value : undefined
      case 'substring': {
        const text = value.toLowerCase()
        return entries.find((e) => text.includes(e))
      }
      case 'domain': {
        let d = value.trim().toLowerCase().replace(/\.$/, '')
        for (;;) {
          if (set.has(d)) return d
          const dot = d.indexOf('.')
          if (dot < 0) return undefined
          d = d.slice(dot + 1)
        }
      }
      case 'ip': {
        const address = parseIp(value)
        if (address === undefined) return undefined
        const text = formatIp(address)
        if (set.has(text)) return text
        const kind = address.kind()
        for (const r of ranges) {
          if (r.address.kind() === kind && (address as ipaddr.IPv4).match(r.address as ipaddr.IPv4, r.bits)) return r.entry
        }
        return undefined
      }
    }
  }
  entries(): string[] {
    return [...this.index.entries]
  }
}

/** Makes an in-memory list. Throws `KenchiError` (`CONFIG_LIST`) for an invalid entry. */
export function createList(kind: ListKind, entries: Iterable<string> = []): KenchiList {
  checkKind(kind)
  return new List(kind, entries)
}

class FileList extends List implements FileBackedList {
  constructor(
    kind: ListKind,
    readonly path: string,
    entries: string[],
  ) {
    super(kind, entries)
  }
  async reload(): Promise<void> {
    this.replace(parseList(await readFile(this.path, 'utf8')))
  }
}

/**
 * Reads a list file (see `parseList` for the format) into a list of the given kind
 * (default `exact`). `reload()` reads the file again; call it when the file changes (a
 * timer, a file watcher, an admin action), in every process that uses it.
 */
export async function loadList(path: string, options: { kind?: ListKind } = {}): Promise<FileBackedList> {
  const kind = options.kind ?? 'exact'
  checkKind(kind)
  return new FileList(kind, path, parseList(await readFile(path, 'utf8')))
}

function checkKind(kind: ListKind): void {
  if (!['exact', 'substring', 'domain', 'ip'].includes(kind))
    throw new KenchiError('CONFIG_LIST', `list kind must be exact, substring, domain or ip`)
}

/** Accepts a list or plain entries in a rule option; throws `CONFIG_RULE` for a list of the wrong kind. */
export function listOption(
  rule: string,
  option: string,
  kind: ListKind,
  value: KenchiList | readonly string[] | undefined,
): KenchiList | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) {
    try {
      return createList(kind, value as string[])
    } catch (error) {
      throw new KenchiError('CONFIG_RULE', `${rule}: ${option}: ${(error as Error).message}`, { cause: error })
    }
  }
  const list = value as KenchiList
  if (typeof list !== 'object' || list === null || typeof list.match !== 'function' || list.kind !== kind) {
    throw new KenchiError('CONFIG_RULE', `${rule}: ${option} must be an array of strings or a list of kind '${kind}'`)
  }
  return list
}

// Canonical JSON (the RFC 8785 "JCS" rules for the values Kenchi sends): no whitespace,
// object keys sorted by UTF-16 code units, numbers in ECMAScript's shortest form, strings
// escaped as JSON.stringify does. Both sides sign and check exactly these bytes.

/** JSON values a token may carry. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/**
 * Serialises a value canonically. Object members whose value is `undefined` are left out,
 * as JSON.stringify does. Throws `TypeError` for values JSON cannot carry (non-finite
 * numbers, functions, bigint, lone surrogates); callers building tokens control their input.
 */
export function canonicalize(value: unknown): string {
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalize: non-finite number')
      return JSON.stringify(value)
    case 'string':
      if (!isWellFormed(value)) throw new TypeError('canonicalize: lone surrogate in string')
      return JSON.stringify(value)
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ','
          const item: unknown = value[i]
          out += item === undefined ? 'null' : canonicalize(item)
        }
        return out + ']'
      }
      const record = value as Record<string, unknown>
      const keys = Object.keys(record).sort()
      let out = '{'
      let first = true
      for (const key of keys) {
        const member = record[key]
        if (member === undefined) continue
        if (!first) out += ','
        first = false
        out += canonicalize(key) + ':' + canonicalize(member)
      }
      return out + '}'
    }
    default:
      throw new TypeError(`canonicalize: cannot serialise ${typeof value}`)
  }
}

/** True when the string has no lone UTF-16 surrogate. */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false
    }
  }
  return true
}

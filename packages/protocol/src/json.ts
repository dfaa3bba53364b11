import { base64urlDecode, fromUtf8 } from './base64url.js'
import { canonicalize } from './canonical.js'
import type { Limits } from './constants.js'
import { checkShape } from './shape.js'

type Decoded = { ok: true; value: unknown; text: string } | { ok: false; detail: string; limit?: true }

/**
 * Decodes a base64url segment holding canonical JSON. Rejects bad base64url, bad UTF-8,
 * bad JSON, and JSON that is not in canonical form (which also rejects duplicate keys,
 * whitespace and alternative number spellings). With `limits`, the structural limits are
 * checked right after parsing, before anything walks the value recursively. Never throws.
 */
export function decodeJsonSegment(segment: string, limits?: Limits): Decoded {
  const bytes = base64urlDecode(segment)
  if (bytes === undefined) return { ok: false, detail: 'bad base64url' }
  const text = fromUtf8(bytes)
  if (text === undefined) return { ok: false, detail: 'bad UTF-8' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, detail: 'bad JSON' }
  }
  if (limits !== undefined) {
    const violation = checkShape(value, limits)
    if (violation !== undefined) return { ok: false, detail: violation, limit: true }
  }
  let again: string
  try {
    again = canonicalize(value)
  } catch {
    return { ok: false, detail: 'not canonical' }
  }
  if (again !== text) return { ok: false, detail: 'not canonical' }
  return { ok: true, value, text }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value)
}

export function hasOnlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) return false
  return true
}

import { decodeBase64url, fromUtf8 } from './base64url.js'
import { canonicalize } from './canonical.js'
import type { Limits } from './constants.js'
import { inspectJson } from './shape.js'

const UNLIMITED: Limits = {
  maxTokenBytes: Infinity,
  maxChallengeBytes: Infinity,
  maxDepth: Infinity,
  maxArrayLength: Infinity,
  maxEvents: Infinity,
  maxStringLength: Infinity,
  maxObjectKeys: Infinity,
  maxSignals: Infinity,
  maxPowDifficulty: Infinity,
}

type Decoded = { ok: true; value: unknown; text: string } | { ok: false; detail: string; limit?: true }

/**
 * Decodes a base64url segment holding canonical JSON. Rejects bad base64url, bad UTF-8,
 * bad JSON, and JSON that is not in canonical form (which also rejects duplicate keys,
 * whitespace and alternative number spellings). With `limits`, the structural limits are
 * checked right after parsing, before anything walks the value recursively. Never throws.
 * `alphabetChecked`: the caller has already tested the segment against the base64url alphabet.
 */
export function decodeJsonSegment(segment: string, limits?: Limits, alphabetChecked = false): Decoded {
  const bytes = decodeBase64url(segment, alphabetChecked)
  if (bytes === undefined) return { ok: false, detail: 'bad base64url' }
  const text = fromUtf8(bytes)
  if (text === undefined) return { ok: false, detail: 'bad UTF-8' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, detail: 'bad JSON' }
  }
  const inspection = inspectJson(value, limits ?? UNLIMITED)
  if (inspection.violation !== undefined) return { ok: false, detail: inspection.violation, limit: true }
  if (inspection.unsorted || !isCanonical(value, text, inspection.ordered)) return { ok: false, detail: 'not canonical' }
  return { ok: true, value, text }
}

/**
 * Whether `text` is the canonical serialisation of `value`. Fast path: when the keys are
 * already in canonical order (as parsed) and no string has a lone surrogate, JSON.stringify
 * writes exactly the canonical form (same number and string rules). Otherwise (integer-like
 * keys, which JavaScript enumerates first, or a hostile input) the full canonicaliser decides.
 */
function isCanonical(value: unknown, text: string, ordered: boolean): boolean {
  try {
    if (ordered) return JSON.stringify(value) === text
    // The canonical text reorders JSON.stringify's members and changes nothing else (or
    // throws, for a lone surrogate): of another length than `text`, it cannot be `text`.
    // So whitespace and other spellings are refused without sorting anything.
    if (JSON.stringify(value).length !== text.length) return false
    return canonicalize(value) === text
  } catch {
    return false
  }
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

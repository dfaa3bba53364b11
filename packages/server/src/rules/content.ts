import { createHash, createHmac } from 'node:crypto'
import { countUrls, gibberish, normaliseText } from '../content/text.js'
import { KenchiError } from '../errors.js'
import type { KenchiList } from '../lists/list.js'
import { listOption } from '../lists/list.js'
import { contentRepeatKey } from '../store-keys/content.js'
import type { Reason } from '../verdict.js'
import { optionChecks } from '../validate.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { answered, readOps, withReads } from './reads.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions, type VerifyContext } from './types.js'

/** Actions whose form content the rule checks by default. */
export const CONTENT_ACTIONS = ['register', 'profile_update', 'checkout', 'inquiry', 'newsletter', 'campaign'] as const

export interface ContentRepeatOptions {
  /** Identical submissions (this one included) within the window that count as repeated. Default 3. */
  threshold?: number
  /** The window, ms. Default 1 hour. */
  windowMs?: number
  /** Weight of `CONTENT_REPEATED`, 1–100. Default 50. */
  weight?: number
}

export interface ContentRuleOptions extends RuleOptions, ScopeOptions {
  /** Names of the `context.fields` to check (string values). Default: every string field. */
  fields?: readonly string[]
  /** Denied strings (substrings, case- and width-insensitive), or a `substring` list. */
  deny?: KenchiList | readonly string[]
  /** Weight of `CONTENT_DENIED_STRING`, 1–100. Default 60; set 100 to deny outright. */
  denyWeight?: number
  /** Look for URLs. Default true. */
  urls?: boolean
  /** Fields in which URLs are expected (a "website" field) and not reported. */
  urlFields?: readonly string[]
  /** Weight of `CONTENT_URL`, 1–100. Default 30. */
  urlWeight?: number
  /** Look for unreadable strings. Default true. */
  gibberish?: boolean
  /** Fields that a Japanese form fills in Japanese (e.g. a furigana field): Latin-only values count as unreadable. */
  japaneseFields?: readonly string[]
  /** Weight of `CONTENT_GIBBERISH`, 1–100. Default 30 (under the challenge threshold alone). */
  gibberishWeight?: number
  /** Count identical submissions; `false` turns it off. */
  repeat?: ContentRepeatOptions | false
  /** Key for the HMAC of the content in store keys; default a plain SHA-256. Set it so the store cannot be matched against guessed texts. */
  hashKey?: string
}

const MAX_FIELD = 10_000

/**
 * The platform's "signs of machine operation" in form data and its auto-reply suppression,
 * on the strings the app passes in `context.fields` (registration, order, inquiry):
 * - `CONTENT_DENIED_STRING` (60): a field contains a denied string (`detail.match`);
 * - `CONTENT_URL` (30): a field contains a URL (`detail.count`);
 * - `CONTENT_GIBBERISH` (30): a field holds an unreadable, random-looking string (`detail.finding`);
 * - `CONTENT_REPEATED` (50): the same content (these fields, normalised, for this action)
 *   was submitted `threshold` times within `windowMs`. The store keeps only a hash:
 *   `content:<hex>`; field text is never stored nor put in a reason.
 * One reason per code; `detail.fields` names the fields. None is hard by default.
 */
export function contentRule(options: ContentRuleOptions = {}): Rule {
  const name = 'contentRule'
  const stringArray = (option: string, value: unknown): Set<string> | undefined => {
    if (value === undefined) return undefined
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0)) {
      throw new KenchiError('CONFIG_RULE', `${name}: ${option} must be an array of field names`)
    }
    return new Set(value as string[])
  }
  const fields = stringArray('fields', options.fields)
  const urlFields = stringArray('urlFields', options.urlFields) ?? new Set()
  const japaneseFields = stringArray('japaneseFields', options.japaneseFields) ?? new Set()
  const deny = listOption(name, 'deny', 'substring', options.deny)
  const denyWeight = ruleWeight(name, options.denyWeight ?? 60)
  const urlWeight = ruleWeight(name, options.urlWeight ?? 30)
  const gibberishWeight = ruleWeight(name, options.gibberishWeight ?? 30)
  const checkUrls = options.urls ?? true
  const checkGibberish = options.gibberish ?? true
  let repeat: Required<ContentRepeatOptions> | undefined
  if (options.repeat !== false) {
    const r = options.repeat ?? {}
    const check = optionChecks('CONFIG_RULE', name)
    const threshold = check.number('repeat.threshold', r.threshold, { min: 2, integer: true }, 3)
    const windowMs = check.number('repeat.windowMs', r.windowMs, { min: 1000 }, 3_600_000)
    repeat = { threshold, windowMs, weight: ruleWeight(name, r.weight ?? 50) }
  }
  if (options.hashKey !== undefined && (typeof options.hashKey !== 'string' || options.hashKey.length < 16)) {
    throw new KenchiError('CONFIG_RULE', `${name}: hashKey must be a string of at least 16 characters`)
  }
  const hashKey = options.hashKey
  const scope = ruleScope(name, options, CONTENT_ACTIONS)

  /** The checked fields' non-blank values (cut to MAX_FIELD), sorted by name; none when the rule does not apply. */
  const valuesOf = (context: VerifyContext): Array<[string, string]> => {
    if (!scope.applies(context) || typeof context.fields !== 'object' || context.fields === null) return []
    const values: Array<[string, string]> = []
    for (const [field, value] of Object.entries(context.fields)) {
      if (typeof value !== 'string' || (fields !== undefined && !fields.has(field))) continue
      const text = value.slice(0, MAX_FIELD)
      if (text.trim().length > 0) values.push([field, text])
    }
    return values.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }
  /** The counter of identical submissions: a hash of the action and the normalised values. */
  const repeatKey = (action: string, values: ReadonlyArray<[string, string]>): string => {
    const canonical = JSON.stringify([action, values.map(([f, t]) => [f, normaliseText(t)])])
    const digest = (hashKey === undefined ? createHash('sha256') : createHmac('sha256', hashKey))
      .update(canonical)
      .digest('hex')
      .slice(0, 32)
    return contentRepeatKey(digest)
  }

  return withReads({
    name: 'content',
    mode: ruleMode(name, options),
    reads: ({ context, now }) => {
      if (repeat === undefined) return [undefined] as const
      const values = valuesOf(context)
      return [values.length === 0 ? undefined : readOps.hit(repeatKey(context.action, values), repeat.windowMs, now)] as const
    },
    evaluate({ context }, [repeated]) {
      const values = valuesOf(context)
      if (values.length === 0) return []

      const denied: string[] = []
      let match: string | undefined
      const urlIn: string[] = []
      let urls = 0
      const unreadable: string[] = []
      let finding: string | undefined
      for (const [field, text] of values) {
        const normal = normaliseText(text)
        const m = deny?.match(normal)
        if (m !== undefined) {
          denied.push(field)
          match ??= m
        }
        if (checkUrls && !urlFields.has(field)) {
          const n = countUrls(text)
          if (n > 0) {
            urlIn.push(field)
            urls += n
          }
        }
        if (checkGibberish) {
          const f = gibberish(text, { expectJapanese: japaneseFields.has(field) })
          if (f !== undefined) {
            unreadable.push(field)
            finding ??= f
          }
        }
      }

      const reasons: Reason[] = []
      if (denied.length > 0) reasons.push({ code: 'CONTENT_DENIED_STRING', weight: denyWeight, detail: { fields: denied, match } })
      if (urlIn.length > 0) reasons.push({ code: 'CONTENT_URL', weight: urlWeight, detail: { fields: urlIn, count: urls } })
      if (unreadable.length > 0)
        reasons.push({ code: 'CONTENT_GIBBERISH', weight: gibberishWeight, detail: { fields: unreadable, finding } })
      if (repeat !== undefined && repeated !== undefined) {
        const count = answered(repeated)
        if (count >= repeat.threshold) {
          reasons.push({
            code: 'CONTENT_REPEATED',
            weight: repeat.weight,
            detail: { count, windowMs: repeat.windowMs, fields: values.map(([f]) => f) },
          })
        }
      }
      return reasons
    },
  })
}

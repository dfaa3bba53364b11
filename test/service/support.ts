// Shared by the service tests: a two-site configuration, a running service, a tiny JSON-schema
// check for docs/openapi.json, and a way to get a real token from the service's public endpoint.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { hashApiSecret } from '../../packages/server/src/service/config.js'
import { tokenFor } from '../support/tokens.js'

export const clientDir = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url))
export const SHOP_ORIGIN = 'https://shop.example'
export const OTHER_ORIGIN = 'https://other.example'
export const SECRETS = {
  shop: 'shop-api-secret-0123456789abcdef',
  shopNext: 'shop-api-secret-next-0123456789ab',
  other: 'other-api-secret-0123456789abcdef',
}

/** Two sites: `shop` (test mode, step-up, confirmations) and `other` (live rules), each with its own keys and secrets. */
export function twoSiteConfig(store: Record<string, unknown> = { type: 'memory' }): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    store,
    logLevel: 'silent',
    sites: [
      {
        id: 'shop',
        origins: [SHOP_ORIGIN, 'http://localhost:8080'],
        keys: [{ id: 'k1', secret: 'shop challenge key, at least 32 bytes long' }],
        hashSecret: 'shop hash secret, at least 32 bytes long!',
        apiSecrets: [
          { id: 'current', sha256: hashApiSecret(SECRETS.shop) },
          { id: 'next', secret: SECRETS.shopNext },
        ],
        testMode: true,
        stepUp: { secret: 'shop step-up secret, at least 32 bytes long' },
        confirm: { secret: 'shop confirm secret, at least 32 bytes long', linkUrl: 'https://shop.example/confirm' },
      },
      {
        id: 'other',
        origins: [OTHER_ORIGIN],
        keys: [{ id: 'k1', secret: 'other challenge key, at least 32 bytes long' }],
        hashSecret: 'other hash secret, at least 32 bytes long',
        apiSecrets: [{ id: 'main', sha256: hashApiSecret(SECRETS.other) }],
      },
    ],
  }
}

/** A real token, as the browser client makes it: a challenge from `POST /s/<site>/challenge`, signed by a fresh device. */
export async function tokenFrom(base: string, site: string, origin: string, action = 'login'): Promise<string> {
  const res = await fetch(`${base}/s/${site}/challenge`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ action }),
  })
  if (res.status !== 200) throw new Error(`challenge: ${res.status} ${await res.text()}`)
  const { challenge } = (await res.json()) as { challenge: string }
  return tokenFor(challenge, { origin })
}

export async function post(
  base: string,
  path: string,
  body: unknown,
  secret?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON: left as text
  }
  return { status: res.status, body: parsed }
}

export const openapi = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'))

/**
 * Checks `value` against an OpenAPI 3.1 schema (the subset docs/openapi.json uses: $ref, type
 * (also as a list), enum, required, properties, additionalProperties, items, maxLength).
 * Returns the problems, each with its JSON path; empty when valid.
 */
export function validate(schema: any, value: unknown, path = '$'): string[] {
  if (schema.$ref) {
    const target = schema.$ref
      .replace('#/', '')
      .split('/')
      .reduce((o: any, k: string) => o?.[k], openapi)
    if (!target) return [`${path}: unresolved ${schema.$ref}`]
    return validate(target, value, path)
  }
  const problems: string[] = []
  const types: string[] | undefined = schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type]
  const actual =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : typeof value === 'number' && Number.isInteger(value)
          ? 'integer'
          : typeof value
  if (types && !types.some((t) => t === actual || (t === 'number' && actual === 'integer')))
    return [`${path}: expected ${types.join('|')}, got ${actual}`]
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`)
  if (typeof value === 'string' && schema.maxLength !== undefined && value.length > schema.maxLength)
    problems.push(`${path}: longer than ${schema.maxLength}`)
  if (actual === 'object') {
    const record = value as Record<string, unknown>
    for (const name of schema.required ?? []) if (!(name in record)) problems.push(`${path}.${name}: required`)
    for (const [name, v] of Object.entries(record)) {
      const sub = schema.properties?.[name]
      if (sub) problems.push(...validate(sub, v, `${path}.${name}`))
      else if (schema.additionalProperties === false) problems.push(`${path}.${name}: not allowed`)
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...validate(schema.additionalProperties, v, `${path}.${name}`))
    }
  }
  if (actual === 'array' && schema.items)
    (value as unknown[]).forEach((v, i) => problems.push(...validate(schema.items, v, `${path}[${i}]`)))
  return problems
}

/** The documented response schema for a status (following a `$ref` to components/responses), or undefined when the status is not documented. */
export function responseSchema(path: string, method: string, status: number): { documented: boolean; schema?: any } {
  let response = openapi.paths[path]?.[method]?.responses?.[String(status)]
  if (!response) return { documented: false }
  if (response.$ref)
    response = response.$ref
      .replace('#/', '')
      .split('/')
      .reduce((o: any, k: string) => o?.[k], openapi)
  const content = response.content?.['application/json']
  return { documented: true, ...(content ? { schema: content.schema } : {}) }
}

/** One sample of the Prometheus text format: `name{labels} value`. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Parses `GET /metrics` text into samples (comments skipped), whatever order the labels are printed in. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[k!] = v!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1')
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) })
  }
  return samples
}

/** The value of the one sample named `name` whose labels are exactly `labels`, or undefined. */
export function sample(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort())
  return samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value
}

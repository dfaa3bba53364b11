// Server-to-server authentication: a per-site API secret, sent as `Authorization: Bearer <secret>`
// (or the body field `secret`, as Turnstile's siteverify takes it). Only SHA-256 hashes are kept;
// the secret's hash is looked up, so the comparison never runs byte by byte on the secret.
import { hashApiSecret, type ResolvedSite } from './config.js'

export interface Caller {
  site: string
  /** The id of the API secret used (for logs and rotation: which secret is still in use). */
  secretId: string
}

export class ApiAuth {
  readonly #byHash = new Map<string, Caller>()
  constructor(sites: readonly ResolvedSite[]) {
    for (const site of sites) for (const s of site.apiSecretHashes) this.#byHash.set(s.sha256, { site: site.id, secretId: s.id })
  }

  /** The caller for a presented secret, or `undefined`. Secrets over 256 characters are refused unhashed. */
  identify(secret: unknown): Caller | undefined {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 256) return undefined
    return this.#byHash.get(hashApiSecret(secret))
  }
}

/** The secret from `Authorization: Bearer <secret>`, if any. */
export function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match ? match[1] : undefined
}

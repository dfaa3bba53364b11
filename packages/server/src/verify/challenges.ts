import { randomBytes } from 'node:crypto'
import { ACTION_PATTERN, PROTOCOL_VERSION, assembleChallenge, challengeSigningInput, type ChallengePayload } from '@kenchi/protocol'
import { KenchiError } from '../errors.js'
import type { KeyRing } from '../keys.js'

export interface IssuedChallenge {
  /** The challenge string to hand to the client. */
  challenge: string
  /** Expiry, Unix ms. */
  expiresAt: number
}

/** What issuing a challenge needs from the verifier. */
export interface ChallengeIssuer {
  ring: KeyRing
  origins: ReadonlySet<string>
  /** Challenge lifetime, seconds. */
  ttl: number
  now: () => number
  /** The proof-of-work difficulty for new challenges of this action (policy and attack mode). */
  powFor(action: string): number
}

/**
 * Issues a signed challenge for an action and a page origin. Throws `KenchiError`
 * `CHALLENGE_ACTION` for an action that is not a lower-case word, `CHALLENGE_ORIGIN` for an
 * origin not configured. Needs no store.
 */
export function issueChallenge(issuer: ChallengeIssuer, { action, origin }: { action: string; origin: string }): IssuedChallenge {
  if (typeof action !== 'string' || !ACTION_PATTERN.test(action)) {
    throw new KenchiError('CHALLENGE_ACTION', 'action: a lower-case word of up to 32 characters')
  }
  if (!issuer.origins.has(origin)) throw new KenchiError('CHALLENGE_ORIGIN', `origin ${String(origin).slice(0, 100)} is not in origins`)
  const { ring } = issuer
  const iat = Math.floor(issuer.now() / 1000)
  const pow = issuer.powFor(action)
  const payload: ChallengePayload = {
    v: PROTOCOL_VERSION,
    kid: ring.signingId,
    n: randomBytes(16).toString('base64url'),
    iat,
    exp: iat + issuer.ttl,
    act: action,
    org: origin,
    ...(pow > 0 ? { pow } : {}),
  }
  const input = challengeSigningInput(payload)
  return { challenge: assembleChallenge(input, ring.mac(ring.signingId, input)), expiresAt: payload.exp * 1000 }
}

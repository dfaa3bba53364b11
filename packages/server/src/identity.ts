import { deviceHashes, type SignalResult } from '@kenchi/protocol'
import { signalValue } from './signals.js'

/**
 * What a token says about its device besides the key: stored ids and fingerprint hashes.
 * Claims, never identity: only the key proves a device (docs/decisions/0006-device-trust.md);
 * these may raise suspicion (`STORED_ID_CONFLICT`, `FRAUD_FINGERPRINT`), never lower it.
 */
export interface DeviceClues {
  /** The first-party ids found in the cookie, localStorage and IndexedDB (distinct). */
  storedIds: string[]
  /** Coarse (survives browser updates) and fine fingerprint hashes, if the client sent them. */
  hashes?: { coarse: string; fine: string }
}

const STORED_ID = /^[A-Za-z0-9_-]{22}$/

/** Reads the `ids` and `fingerprint` signals; anything malformed is ignored. */
export function deviceClues(signals: Record<string, SignalResult>): DeviceClues {
  const ids = signalValue(signals, 'ids')
  const storedIds = new Set<string>()
  if (typeof ids === 'object' && ids !== null && !Array.isArray(ids)) {
    for (const key of ['n', 'i', 'l', 'c']) {
      const id = (ids as Record<string, unknown>)[key]
      if (typeof id === 'string' && STORED_ID.test(id)) storedIds.add(id)
    }
  }
  const hashes = deviceHashes(signalValue(signals, 'fingerprint'))
  return hashes ? { storedIds: [...storedIds], hashes } : { storedIds: [...storedIds] }
}

/** Link-table namespaces for stored ids and a user's fingerprints (built in store-keys/). */
export { storedIdKey } from './store-keys/stored-ids.js'
export { userFingerprintKey } from './store-keys/fingerprints.js'

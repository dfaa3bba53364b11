import type { DevicePublicKey } from '@kenchi/protocol'
import type { Decision, DeviceStatus, Reason } from '../verdict.js'

/** What the store keeps about a device, keyed by its thumbprint. */
export interface DeviceRecord {
  id: string
  publicKey: DevicePublicKey
  status: DeviceStatus
  /** Unix ms. */
  firstSeen: number
  /** Unix ms. */
  lastSeen: number
}

/** One verification, as recorded for the console, outcomes and labels. */
export interface EventRecord {
  id: string
  /** Unix ms. */
  at: number
  action: string
  decision: Decision
  score: number
  reasons: Reason[]
  mode: 'live' | 'monitor'
  deviceId?: string
  ip?: string
}

/**
 * The primitives the verifier needs from a store. Every method may reject (a network
 * store can fail); the verifier turns a rejection into a `STORE_UNAVAILABLE` verdict.
 */
export interface Store {
  /**
   * Atomically sets `key` if it is absent, with a time to live. Resolves `true` for the
   * one caller that set it and `false` for everyone else until it expires.
   */
  setIfAbsent(key: string, ttlMs: number): Promise<boolean>
  /**
   * Records that a device was seen: creates the record on first sight (status `waiting`),
   * otherwise updates `lastSeen`. Atomic per device. Resolves the record as it was
   * before this call (`undefined` on first sight) and the record now.
   */
  touchDevice(
    id: string,
    publicKey: DevicePublicKey,
    now: number,
  ): Promise<{ before: DeviceRecord | undefined; after: DeviceRecord }>
  /** Reads a device record. */
  getDevice(id: string): Promise<DeviceRecord | undefined>
  /** Appends an event. */
  recordEvent(event: EventRecord): Promise<void>
  /** Reads recent events, newest first. */
  listEvents(options?: { limit?: number }): Promise<EventRecord[]>
  /** Releases connections and timers. */
  close(): Promise<void>
}

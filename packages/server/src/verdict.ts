import type { ReasonCode } from './reasons.js'

/** allow = O-MOTION OK, challenge = REVIEW (ask for a second factor), deny = NG. */
export type Decision = 'allow' | 'challenge' | 'deny'

/** Device status as in O-MOTION: waiting until an outcome is known, then valid, fraud, duplicate or unknown. */
export type DeviceStatus = 'valid' | 'fraud' | 'duplicate' | 'unknown' | 'waiting'

/** One reason behind a verdict: a stable code, its weight 0–100, and free detail. */
export interface Reason {
  code: ReasonCode
  weight: number
  detail?: Record<string, unknown>
}

/** The device a valid token was signed by. */
export interface VerdictDevice {
  /** RFC 7638 thumbprint of the device public key. */
  id: string
  status: DeviceStatus
  /** True when the store had seen this device key before this token. */
  known: boolean
  /** When the device was first seen (Unix ms). */
  firstSeen?: number
  /**
   * How the device was recognised: `key` (its device key was seen before), the only proof
   * of a device. Absent for a key seen for the first time, whatever ids or fingerprint its
   * token claims (docs/decisions/0006-device-trust.md).
   */
  matchedBy?: 'key'
  /**
   * Devices that held one of this token's stored ids (cookie, localStorage, IndexedDB)
   * before this key did: a claim, never proof. Raises `STORED_ID_CONFLICT`; a `fraud` one
   * makes this device `fraud` for the verdict.
   */
  linked?: string[]
}

/** What `verify()` returns. */
export interface Verdict {
  decision: Decision
  /** 0 (safe) to 100 (certain abuse). */
  score: number
  /** Sorted by weight, highest first. */
  reasons: Reason[]
  /** Id to report outcomes and labels against. */
  eventId: string
  /** Present only when the token was valid and its device signature verified. */
  device?: VerdictDevice
  /** `monitor`: computed and recorded, but the decision is forced to allow. */
  mode: 'live' | 'monitor'
  /**
   * The decision if the global mode and every rule were live. Present when it could
   * differ from `decision`: in monitor mode, or when monitor-mode rules found something.
   */
  wouldBe?: Decision
  /** Reasons from rules in monitor mode: recorded, not counted in `score`. */
  monitored?: Reason[]
}

import { storedIdKey } from '../store-keys/stored-ids.js'
import { runBatch, type OpAnswer, type StoreOp } from '../stores/batch.js'
import type { DeviceRecord, Store, UserDeviceRecord } from '../stores/types.js'
import type { VerdictDevice } from '../verdict.js'

/** Most devices read per stored id when judging what a token's stored ids claim. */
export const CLAIM_HOLDERS = 50

/** What the store says about a token's stored ids, read before evaluation. */
export interface StoredIdClaims {
  /** Devices that had one of these ids before this key did (a copied cookie, or a browser that lost its key). */
  earlier: string[]
  /** Whether one of `earlier` is `fraud`; read only for a device that has not proven itself (`waiting`, `unknown`). */
  earlierFraud: boolean
}

/**
 * The first reads of a token's stored-id claims, sent in the verification's read batch:
 * the holders of each id (`listDeviceUsers`). Writes nothing (linking the ids to the
 * device is an effect of the verdict, `link`).
 */
export function storedIdClaimReads(storedIds: readonly string[]): StoreOp[] {
  return storedIds.map((id) => ({ op: 'listDeviceUsers' as const, deviceId: storedIdKey(id), limit: CLAIM_HOLDERS }))
}

/** Runs follow-up reads as one batch (under the verifier's guard). */
export type ReadMore = (ops: readonly StoreOp[]) => Promise<readonly OpAnswer[]>

/**
 * What the token's stored ids claim, from the answers to `storedIdClaimReads` (same order).
 * Rejects if one of them failed. Only the key proves a device
 * (docs/decisions/0006-device-trust.md): a stored id never makes a device known or trusted.
 * The holders of an id are the devices on the user side of its (device id, `sid:<id>`)
 * pairs (see `linkEffects`). Follow-up reads depend on these answers and take a second
 * batch only when needed: the device's own pairs when a list is full (50 later holders),
 * then the earlier holders' records for a device that has not proven itself. A returning
 * customer (its own ids, no earlier holder) needs none.
 */
export async function finishStoredIdClaims(
  readMore: ReadMore,
  device: Pick<VerdictDevice, 'id' | 'known' | 'status'>,
  storedIds: readonly string[],
  answers: readonly OpAnswer[],
): Promise<StoredIdClaims> {
  if (storedIds.length === 0) return { earlier: [], earlierFraud: false }
  const holders = answers.map((answer) => listOf(answer))
  const full = holders.some((list) => list.length >= CLAIM_HOLDERS && !list.some((link) => link.userHash === device.id))
  let own: Map<string, number> | undefined
  if (full && device.known) {
    // Many later holders hide this device's own pair: read it from the device's side.
    const [mine] = await readMore([{ op: 'listUserDevices', userHash: device.id, limit: 10 }])
    own = new Map(listOf(mine!).map((link) => [link.deviceId, link.firstSeen]))
  }
  const earlier = new Set<string>()
  for (const [i, list] of holders.entries()) {
    const mine =
      list.find((link) => link.userHash === device.id)?.firstSeen ??
      (list.length >= CLAIM_HOLDERS ? own?.get(storedIdKey(storedIds[i]!)) : undefined)
    for (const link of list) if (link.userHash !== device.id && link.firstSeen < (mine ?? Infinity)) earlier.add(link.userHash)
  }
  if (earlier.size === 0 || !unproven(device.status)) return { earlier: [...earlier], earlierFraud: false }
  const records = await readMore([...earlier].map((id) => ({ op: 'getDevice' as const, id })))
  return { earlier: [...earlier], earlierFraud: records.some((r) => (answerOf(r) as DeviceRecord | undefined)?.status === 'fraud') }
}

/**
 * Reads what the token's stored ids claim, directly on a store (the first reads, then any
 * follow-up): `storedIdClaimReads` and `finishStoredIdClaims` in one call, for callers outside
 * the verification's batch.
 */
export async function readStoredIdClaims(
  store: Store,
  device: Pick<VerdictDevice, 'id' | 'known' | 'status'>,
  storedIds: readonly string[],
): Promise<StoredIdClaims> {
  const readMore: ReadMore = (ops) => runBatch(store, ops)
  return finishStoredIdClaims(readMore, device, storedIds, await readMore(storedIdClaimReads(storedIds)))
}

function answerOf(answer: OpAnswer): unknown {
  if (!answer.ok) throw answer.error
  return answer.value
}

const listOf = (answer: OpAnswer) => answerOf(answer) as UserDeviceRecord[]

/**
 * The device as a verdict judges it, from the key's record and the stored-id claims. Pure.
 * `linked` lists the devices that had one of the token's stored ids before this key did
 * (`STORED_ID_CONFLICT`, in `deviceClaimsRule`). If one of them is `fraud` and this device
 * has not proven itself (status `waiting` or `unknown`), it is judged `fraud` too (a
 * fraudster who re-keyed stays blocked while it presents the id); a script that plants a
 * fraud device's id in a customer's storage cannot get a proven (valid) device blocked.
 * That verdict-time status is never written to the store (no effect carries it), so claims
 * cannot fill the store with unevictable fraud records.
 */
export function judgeDevice(device: VerdictDevice, claims: StoredIdClaims | undefined): VerdictDevice {
  if (claims === undefined || claims.earlier.length === 0) return device
  const judged: VerdictDevice = { ...device, linked: claims.earlier }
  if (claims.earlierFraud && unproven(device.status)) judged.status = 'fraud'
  return judged
}

const unproven = (status: VerdictDevice['status']) => status === 'waiting' || status === 'unknown'

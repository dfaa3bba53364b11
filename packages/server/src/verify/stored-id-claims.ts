import { storedIdKey } from '../store-keys/stored-ids.js'
import type { Store } from '../stores/types.js'
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
 * Reads what the token's stored ids claim; writes nothing (linking the ids to the device is
 * an effect of the verdict, `link`). Only the key proves a device
 * (docs/decisions/0006-device-trust.md): a stored id never makes a device known or trusted.
 * The holders of an id are the devices on the user side of its (device id, `sid:<id>`)
 * pairs (see `linkEffects`).
 */
export async function readStoredIdClaims(
  store: Store,
  device: Pick<VerdictDevice, 'id' | 'known' | 'status'>,
  storedIds: readonly string[],
): Promise<StoredIdClaims> {
  if (storedIds.length === 0) return { earlier: [], earlierFraud: false }
  const holders = await Promise.all(storedIds.map((id) => store.listDeviceUsers(storedIdKey(id), CLAIM_HOLDERS)))
  const earlier = new Set<string>()
  let own: Map<string, number> | undefined
  for (const [i, list] of holders.entries()) {
    let mine = list.find((link) => link.userHash === device.id)?.firstSeen
    if (mine === undefined && device.known && list.length >= CLAIM_HOLDERS) {
      // Many later holders hide this device's own pair: read it from the device's side.
      own ??= new Map((await store.listUserDevices(device.id, 10)).map((link) => [link.deviceId, link.firstSeen]))
      mine = own.get(storedIdKey(storedIds[i]!))
    }
    for (const link of list) if (link.userHash !== device.id && link.firstSeen < (mine ?? Infinity)) earlier.add(link.userHash)
  }
  if (earlier.size === 0 || !unproven(device.status)) return { earlier: [...earlier], earlierFraud: false }
  const records = await Promise.all([...earlier].map((id) => store.getDevice(id)))
  return { earlier: [...earlier], earlierFraud: records.some((r) => r?.status === 'fraud') }
}

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

import type { DevicePublicKey, KeyStorage } from '@kenchi/protocol'

/** The device key pair and where it is kept. The private key is never extractable. */
export interface DeviceKey {
  privateKey: CryptoKey
  publicJwk: DevicePublicKey
  storage: KeyStorage
}

const DB = 'kenchi'
const STORE = 'keys'
const ID = 'device'

/**
 * Loads the device key from IndexedDB, creating it on first use (ECDSA P-256,
 * non-extractable private key). When IndexedDB is blocked or broken (some private modes,
 * storage disabled), falls back to a key for this page only and says so (`storage: 'page'`).
 */
export async function loadDeviceKey(): Promise<DeviceKey> {
  try {
    const db = await openDb()
    try {
      const existing = await request<CryptoKeyPair | undefined>(db.transaction(STORE).objectStore(STORE).get(ID))
      if (existing?.privateKey && existing.publicKey) return { ...(await describe(existing)), storage: 'idb' }
      const pair = await generate()
      // `add` fails if another tab stored a key meanwhile; then that key wins.
      try {
        await request(db.transaction(STORE, 'readwrite').objectStore(STORE).add(pair, ID))
        return { ...(await describe(pair)), storage: 'idb' }
      } catch {
        const winner = await request<CryptoKeyPair | undefined>(db.transaction(STORE).objectStore(STORE).get(ID))
        if (winner?.privateKey) return { ...(await describe(winner)), storage: 'idb' }
        throw new Error('device key not stored')
      }
    } finally {
      db.close()
    }
  } catch {
    return { ...(await describe(await generate())), storage: 'page' }
  }
}

function generate(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
}

async function describe(pair: CryptoKeyPair): Promise<Omit<DeviceKey, 'storage'>> {
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
  return { privateKey: pair.privateKey, publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! } }
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1)
    open.onupgradeneeded = () => open.result.createObjectStore(STORE)
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(open.error)
    open.onblocked = () => reject(new Error('IndexedDB blocked'))
  })
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T)
    req.onerror = () => reject(req.error)
  })
}

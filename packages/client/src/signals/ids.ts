import type { Signal } from './types.js'

const NAME = 'kenchi_id'
const ID = /^[A-Za-z0-9_-]{22}$/
const TWO_YEARS_S = 2 * 365 * 24 * 3600

/** A new random identifier: 16 bytes, base64url (22 characters). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

function readCookie(): string | null {
  const match = new RegExp(`(?:^|;\\s*)${NAME}=([^;]*)`).exec(document.cookie)
  return match && ID.test(match[1]!) ? match[1]! : null
}

function writeCookie(id: string): void {
  const secure = location.protocol === 'https:' ? '; Secure' : ''
  document.cookie = `${NAME}=${id}; path=/; max-age=${TWO_YEARS_S}; SameSite=Lax${secure}`
}

function readLocal(): string | null {
  try {
    const value = localStorage.getItem(NAME)
    return value && ID.test(value) ? value : null
  } catch {
    return null
  }
}

function writeLocal(id: string): void {
  try {
    localStorage.setItem(NAME, id)
  } catch {
    // blocked storage: nothing to do
  }
}

function idb<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest): Promise<T | null> {
  return new Promise((resolve) => {
    try {
      const open = indexedDB.open('kenchi-id', 1)
      open.onupgradeneeded = () => open.result.createObjectStore('ids')
      open.onerror = open.onblocked = () => resolve(null)
      open.onsuccess = () => {
        const db = open.result
        try {
          const request = run(db.transaction('ids', mode).objectStore('ids'))
          request.onsuccess = () => (db.close(), resolve((request.result as T) ?? null))
          request.onerror = () => (db.close(), resolve(null))
        } catch {
          db.close()
          resolve(null)
        }
      }
    } catch {
      resolve(null)
    }
  })
}

/**
 * Stored first-party identifiers, O-MOTION style: a random id kept in a cookie
 * (`kenchi_id`), in localStorage (`kenchi_id`) and in IndexedDB (`kenchi-id`), read
 * *before* this page writes anything. Value: `{"c": id|null, "l": id|null, "i": id|null, "n": id}`
 * where `n` is the id now stored everywhere (the first found of i, l, c, or a new one).
 * Clearing one store does not make the device new while another still remembers it.
 */
export const ids: Signal = {
  name: 'ids',
  collect: async () => {
    const c = readCookie()
    const l = readLocal()
    const stored = await idb<string>('readonly', (s) => s.get('id'))
    const i = stored && ID.test(stored) ? stored : null
    const n = i ?? l ?? c ?? newId()
    if (c !== n) writeCookie(n)
    if (l !== n) writeLocal(n)
    if (i !== n) await idb('readwrite', (s) => s.put(n, 'id'))
    return { c, l, i, n }
  },
}

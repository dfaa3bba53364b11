import type { DevicePublicKey } from '@kenchi/protocol'
import type { DeviceRecord, EventRecord, Store } from './types.js'

export interface MemoryStoreOptions {
  /** Most keys (nonces and counters) kept; the oldest are evicted first. Default 100 000. */
  maxKeys?: number
  /** Most device records kept; the least recently seen are evicted first. Default 100 000. */
  maxDevices?: number
  /** Most events kept; the oldest are dropped first. Default 10 000. */
  maxEvents?: number
  /** Clock in Unix ms, for tests. */
  now?: () => number
}

/**
 * A store in this process's memory: the default for tests and a single process. Bounded:
 * expired keys are swept as new ones arrive and the oldest go when a bound is reached.
 * Everything is lost when the process ends; use the SQLite or Redis store to keep it.
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const maxKeys = options.maxKeys ?? 100_000
  const maxDevices = options.maxDevices ?? 100_000
  const maxEvents = options.maxEvents ?? 10_000
  const now = options.now ?? Date.now
  const keys = new Map<string, number>() // key → expiry (Unix ms), in insertion order
  const devices = new Map<string, DeviceRecord>() // in least-recently-seen order
  const events: EventRecord[] = []

  function sweep(at: number): void {
    // Insertion order is not expiry order, so sweep a bounded slice from the front each time.
    let budget = 64
    for (const [key, expiry] of keys) {
      if (budget-- === 0) break
      if (expiry <= at) keys.delete(key)
    }
    while (keys.size >= maxKeys) keys.delete(keys.keys().next().value as string)
  }

  return {
    async setIfAbsent(key: string, ttlMs: number): Promise<boolean> {
      const at = now()
      const expiry = keys.get(key)
      if (expiry !== undefined && expiry > at) return false
      keys.delete(key)
      sweep(at)
      keys.set(key, at + Math.max(1, ttlMs))
      return true
    },

    async touchDevice(id: string, publicKey: DevicePublicKey, at: number) {
      const before = devices.get(id)
      const after: DeviceRecord = before
        ? { ...before, lastSeen: Math.max(before.lastSeen, at) }
        : { id, publicKey, status: 'waiting', firstSeen: at, lastSeen: at }
      devices.delete(id)
      devices.set(id, after)
      while (devices.size > maxDevices) devices.delete(devices.keys().next().value as string)
      return { before: before && { ...before }, after: { ...after } }
    },

    async getDevice(id: string) {
      const record = devices.get(id)
      return record && { ...record }
    },

    async recordEvent(event: EventRecord) {
      events.push(structuredClone(event))
      if (events.length > maxEvents) events.splice(0, events.length - maxEvents)
    },

    async listEvents({ limit = 100 } = {}) {
      return (limit > 0 ? events.slice(-limit) : []).reverse().map((e) => structuredClone(e))
    },

    async close() {
      keys.clear()
      devices.clear()
      events.length = 0
    },
  }
}

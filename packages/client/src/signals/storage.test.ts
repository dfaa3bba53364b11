// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { storage } from './storage.js'

afterEach(() => vi.restoreAllMocks())

describe('storage', () => {
  it('reports cookie, localStorage, sessionStorage, IndexedDB availability and the quota in MB', async () => {
    Object.defineProperty(navigator, 'storage', { configurable: true, value: { estimate: async () => ({ quota: 100 * 1048576 }) } })
    const value = (await storage.collect()) as unknown[]
    expect(value).toHaveLength(5)
    expect(value[1]).toBe(true)
    expect(value[4]).toBe(100)
  })

  it('reports blocked storage (access throws, as with cookies blocked in Safari) as false instead of failing', async () => {
    const saved = ['localStorage', 'sessionStorage'].map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const)
    for (const [name] of saved) {
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get() {
          throw new DOMException('blocked', 'SecurityError')
        },
      })
    }
    try {
      const value = (await storage.collect()) as unknown[]
      expect(value[1]).toBe(false)
      expect(value[2]).toBe(false)
    } finally {
      for (const [name, descriptor] of saved) if (descriptor) Object.defineProperty(globalThis, name, descriptor)
    }
  })
})

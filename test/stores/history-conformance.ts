// Conformance of the store primitives behind device history, negative flags and velocity
// reads: flags, read-only counts, user–device links. Run against every store.
import type { Store } from '@kenchi/server'
import { afterEach, describe, expect, it } from 'vitest'

export function describeHistoryConformance(name: string, open: () => Promise<Store>): void {
  describe(`${name} store: flags, counts and user–device links`, () => {
    const opened: Store[] = []
    const store = async () => {
      const s = await open()
      opened.push(s)
      return s
    }
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close()
    })

    it('sets, reads, renews and deletes flags', async () => {
      const s = await store()
      expect(await s.has('ng-ip:203.0.113.1')).toBe(false)
      await s.setFlag('ng-ip:203.0.113.1', 60_000)
      expect(await s.has('ng-ip:203.0.113.1')).toBe(true)
      await s.setFlag('ng-ip:203.0.113.1', 60_000)
      expect(await s.has('ng-ip:203.0.113.1')).toBe(true)
      await s.deleteKey('ng-ip:203.0.113.1')
      expect(await s.has('ng-ip:203.0.113.1')).toBe(false)
      expect(await s.setIfAbsent('n1', 60_000)).toBe(true)
      expect(await s.has('n1')).toBe(true)
    })

    it('expires flags', async () => {
      const s = await store()
      await s.setFlag('short', 50)
      expect(await s.has('short')).toBe(true)
      await new Promise((r) => setTimeout(r, 120))
      expect(await s.has('short')).toBe(false)
    })

    it('counts hits without adding one', async () => {
      const s = await store()
      const t = Date.now()
      expect(await s.countHits('fail:u1', 60_000, t)).toBe(0)
      await s.hit('fail:u1', 60_000, t - 30_000)
      await s.hit('fail:u1', 60_000, t - 10_000)
      await s.hit('fail:u1', 60_000, t)
      expect(await s.countHits('fail:u1', 60_000, t)).toBe(3)
      expect(await s.countHits('fail:u1', 60_000, t)).toBe(3)
      expect(await s.countHits('fail:u1', 20_000, t)).toBe(2)
      expect(await s.countHits('fail:u1', 60_000, t + 35_000)).toBe(2)
      expect(await s.countHits('fail:u1', 60_000, t + 55_000)).toBe(1)
    })

    it('links users and devices and reports what was known before', async () => {
      const s = await store()
      const first = await s.linkUserDevice('u1', 'd1', 1000)
      expect(first).toEqual({ userSeen: false, deviceSeen: false, trusted: false, trustedDevices: 0, deviceUsers: 1, firstSeen: 1000 })
      const again = await s.linkUserDevice('u1', 'd1', 2000)
      expect(again).toMatchObject({ userSeen: true, deviceSeen: true, trusted: false, firstSeen: 1000 })
      const second = await s.linkUserDevice('u1', 'd2', 3000)
      expect(second).toMatchObject({ userSeen: true, deviceSeen: false, trusted: false })
      await s.trustUserDevice('u1', 'd1', 4000)
      expect(await s.linkUserDevice('u1', 'd1', 5000)).toMatchObject({ trusted: true, trustedDevices: 1 })
      const shared = await s.linkUserDevice('u2', 'd1', 6000)
      expect(shared).toMatchObject({ userSeen: false, deviceSeen: false, deviceUsers: 2, trusted: false })
      await s.trustUserDevice('u3', 'd9', 7000) // trusting creates the pair
      expect(await s.linkUserDevice('u3', 'd9', 8000)).toMatchObject({ userSeen: true, deviceSeen: true, trusted: true, trustedDevices: 1 })
    })

    it('lists a user’s devices and a device’s users, most recent first', async () => {
      const s = await store()
      await s.linkUserDevice('u1', 'd1', 1000)
      await s.linkUserDevice('u1', 'd2', 2000)
      await s.trustUserDevice('u1', 'd1', 3000)
      await s.linkUserDevice('u2', 'd1', 2500)
      expect(await s.listUserDevices('u1')).toEqual([
        { userHash: 'u1', deviceId: 'd1', firstSeen: 1000, lastSeen: 3000, trusted: true },
        { userHash: 'u1', deviceId: 'd2', firstSeen: 2000, lastSeen: 2000, trusted: false },
      ])
      expect((await s.listDeviceUsers('d1')).map((r) => r.userHash)).toEqual(['u1', 'u2'])
      expect(await s.listUserDevices('u1', 1)).toHaveLength(1)
      expect(await s.listUserDevices('nobody')).toEqual([])
    })

    it('links atomically under concurrency', async () => {
      const s = await store()
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.linkUserDevice('u1', 'd1', 1000 + i)))
      expect(results.filter((r) => !r.deviceSeen)).toHaveLength(1)
      const users = await Promise.all(Array.from({ length: 10 }, (_, i) => s.linkUserDevice(`user${i}`, 'shared', 1000)))
      expect(Math.max(...users.map((r) => r.deviceUsers))).toBe(10)
    })
  })
}

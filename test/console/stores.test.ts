// The console stores (memory, and SQLite on a real file) against the same checks: users put,
// replaced and deleted; audit entries newest first, filtered by action, target and site,
// paged by id, copied out (no caller can change a stored entry), and pruned by age and count.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { memoryConsoleStore, sqliteConsoleStore, type AuditRetention, type ConsoleStore } from '@kenchi/console'

const dir = mkdtempSync(join(tmpdir(), 'kenchi-console-stores-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const kinds: Array<[string, (o: AuditRetention) => Promise<ConsoleStore>]> = [
  ['memory', async (o) => memoryConsoleStore(o)],
  ['sqlite', (o) => sqliteConsoleStore(join(dir, `s${++n}.sqlite`), o)],
]

describe.each(kinds)('%s console store', (_, make) => {
  it('keeps users: put, replace, list, delete', async () => {
    const store = await make({})
    await store.putUser({ name: 'a', role: 'viewer', passwordHash: 'h1', created: 1, updated: 1 })
    await store.putUser({ name: 'b', role: 'admin', passwordHash: 'h2', created: 2, updated: 2 })
    await store.putUser({ name: 'a', role: 'analyst', passwordHash: 'h3', created: 1, updated: 3 })
    expect(await store.getUser('a')).toMatchObject({ name: 'a', role: 'analyst', passwordHash: 'h3', updated: 3 })
    expect((await store.listUsers()).map((u) => u.name).sort()).toEqual(['a', 'b'])
    await store.deleteUser('a')
    expect(await store.getUser('a')).toBeUndefined()
    await store.close()
  })

  it('lists audit entries newest first, filtered and paged, and prunes by age and count', async () => {
    let now = 1_000_000_000_000
    const store = await make({ auditDays: 1, auditMax: 5, now: () => now })
    const add = (action: string, target: string | null, site: string | null, after: unknown) =>
      store.appendAudit({ at: now, actor: 'x', action, site, target, before: null, after })
    await add('label', 'e1', 's1', { label: 'fraud' })
    await add('label', 'e2', 's1', { label: 'legit' })
    await add('label', 'e1', 's2', { label: 'legit' })
    await add('policy.update', null, 's1', { mode: 'monitor', nested: { list: [1, 2] } })
    const all = await store.listAudit()
    expect(all.map((e) => e.action)).toEqual(['policy.update', 'label', 'label', 'label'])
    expect(all[0]!.after).toEqual({ mode: 'monitor', nested: { list: [1, 2] } })
    expect((await store.listAudit({ action: 'label', target: 'e1' })).map((e) => e.site)).toEqual(['s2', 's1'])
    expect((await store.listAudit({ action: 'label', target: 'e1', site: 's1' })).map((e) => (e.after as { label: string }).label)).toEqual(
      ['fraud'],
    )
    expect((await store.listAudit({ limit: 2, before: all[1]!.id })).map((e) => e.id)).toEqual([all[2]!.id, all[3]!.id])
    // Entries handed out are copies.
    ;(all[0]!.after as { mode: string }).mode = 'changed'
    expect(((await store.listAudit({ limit: 1 }))[0]!.after as { mode: string }).mode).toBe('monitor')
    // At most 5 entries; entries older than a day go when a new one comes.
    for (let i = 0; i < 3; i++) await add('rule.update', 'r', 's1', i)
    expect((await store.listAudit()).length).toBe(5)
    now += 2 * 86_400_000
    await add('list.update', 'ip', 's1', [])
    expect((await store.listAudit()).map((e) => e.action)).toEqual(['list.update'])
    await store.close()
  })
})

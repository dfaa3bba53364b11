// The demo's start-up on an empty data folder: it serves the home page within a bound far
// above what it takes (about a second; the bound is for slow CI machines), with the demo's
// attack-mode policy visible to the console. The full "fresh clone, npm run demo, under a
// minute" measure is `npm run demo:startup` (scripts/demo-startup.mjs): a test must not
// fail because a machine is slow.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEMO_POLICY, startDemo, type Demo } from '../../demo/app.mjs'
import type { Policy } from '@kenchi/server'

async function policyOf(demo: Demo): Promise<Policy> {
  const response = await fetch(new URL('admin/api/policy', demo.url), { headers: { authorization: `Bearer ${demo.adminPassword}` } })
  return (await response.json()) as Policy
}

describe('demo start-up', () => {
  it('serves the home page within 10 s on an empty data folder, with the demo attack-mode policy', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kenchi-start-')), 'data')
    const t0 = performance.now()
    const demo = await startDemo({ port: 0, dataDir })
    try {
      const response = await fetch(demo.url)
      const ms = performance.now() - t0
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('Kenchi demo shop')
      expect(ms).toBeLessThan(10_000)
      expect(readdirSync(dataDir).sort()).toEqual(expect.arrayContaining(['accounts.json', 'kenchi.db', 'secrets.json']))
      expect((await policyOf(demo)).attack).toMatchObject(DEMO_POLICY.attack)
    } finally {
      await demo.close()
      rmSync(join(dataDir, '..'), { recursive: true, force: true })
    }
  })

  it('takes policy overrides, merging attack mode member by member', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-start-'))
    const demo = await startDemo({ port: 0, dataDir, policy: { attack: { calmMs: 5_000 }, pow: 2 } })
    try {
      const policy = await policyOf(demo)
      expect(policy.pow).toBe(2)
      expect(policy.attack).toMatchObject({ ...DEMO_POLICY.attack, calmMs: 5_000 })
    } finally {
      await demo.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

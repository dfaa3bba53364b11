import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '@kenchi/server'
import { describeScenarios } from './scenarios.js'

describeScenarios('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-scenario-'))
  const store = await sqliteStore({ path: join(dir, 'kenchi.db') })
  return { ...store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) }
})

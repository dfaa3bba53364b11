// No import cycles among the packages' sources (type-only imports count too): a cycle
// means a declaration lives in the wrong module, as VerifyContext and signalValue did in
// rules/types.ts (imported by identity.ts, which rules/types.ts imported).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageCycles } from '../scripts/import-cycles.mjs'

describe('import cycles', () => {
  it('packages/*/src has none', () => {
    expect(packageCycles(resolve(import.meta.dirname, '..'))).toEqual([])
  })

  it('the check finds a cycle like the old identity.ts ↔ rules/types.ts one, through a type-only import', () => {
    const root = mkdtempSync(join(tmpdir(), 'kenchi-cycles-'))
    mkdirSync(join(root, 'packages/server/src/rules'), { recursive: true })
    writeFileSync(
      join(root, 'packages/server/src/identity.ts'),
      "import { signalValue } from './rules/types.js'\nexport const x = signalValue\n",
    )
    writeFileSync(
      join(root, 'packages/server/src/rules/types.ts'),
      "import type { DeviceClues } from '../identity.js'\nexport const signalValue = 1\n",
    )
    writeFileSync(join(root, 'packages/server/src/rules/index.ts'), "export * from './types.js'\n")
    writeFileSync(join(root, 'packages/server/src/rules/types.test.ts'), "import '../identity.js'\n")
    try {
      expect(packageCycles(root)).toEqual([
        ['packages/server/src/identity.ts', 'packages/server/src/rules/types.ts', 'packages/server/src/identity.ts'],
      ])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

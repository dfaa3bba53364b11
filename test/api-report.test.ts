// The public surface of every package entry against its committed API report
// (packages/*/api/*.api.md, written by `npm run api:report`): adding, removing or changing
// the kind of an exported name without updating the report fails here.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { apiReports, staleReportFiles } from '../scripts/api-report.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const RUN = 'The public API changed: run `npm run api:report` and commit the updated report'

describe('API reports', () => {
  it('list exactly the names each package entry exports', () => {
    const reports = apiReports()
    expect(reports.size).toBeGreaterThanOrEqual(10)
    for (const [file, text] of reports) {
      const committed = existsSync(file) ? readFileSync(file, 'utf8') : '(no report committed)'
      expect(committed, `${RUN} (${relative(root, file)}).`).toBe(text)
    }
    expect(staleReportFiles(reports), `${RUN}: these reports belong to no entry any more.`).toEqual([])
  }, 60_000)

  it('change when a name is added, removed or changes kind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-api-'))
    try {
      const source = join(dir, 'entry.ts')
      const report = (code: string) => {
        writeFileSync(source, code)
        return apiReports([{ subpaths: ['fixture'], source, report: join(dir, 'entry.api.md') }]).get(join(dir, 'entry.api.md'))!
      }
      const base = report('export const one = 1\nexport function two(): number { return 2 }\nexport interface Three { x: number }\n')
      expect(base).toContain('| `one` | const |')
      expect(base).toContain('| `two` | function |')
      expect(base).toContain('| `Three` | interface |')
      const added = report(
        'export const one = 1\nexport function two(): number { return 2 }\nexport interface Three { x: number }\nexport type Four = string\n',
      )
      expect(added).not.toBe(base)
      expect(added).toContain('| `Four` | type |')
      const removed = report('export const one = 1\nexport interface Three { x: number }\n')
      expect(removed).not.toBe(base)
      expect(removed).not.toContain('`two`')
      const rekinded = report('export const one = 1\nexport const two = (): number => 2\nexport interface Three { x: number }\n')
      expect(rekinded).not.toBe(base)
      expect(rekinded).toContain('| `two` | const |')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

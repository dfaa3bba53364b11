// The built server package's subpath exports and its `kenchi-server` command, as an app uses them.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { entriesOf } from '../scripts/api-report.mjs'

const root = new URL('..', import.meta.url)

function keysOf(specifier: string): string[] {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()))`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })) as string[]
}

describe('built @kenchi/server', () => {
  it('exposes one adapter per subpath, importable without the frameworks being loaded', () => {
    expect(keysOf('@kenchi/server/express')).toEqual(['expressKenchi'])
    expect(keysOf('@kenchi/server/fastify')).toEqual(['fastifyKenchi'])
    expect(keysOf('@kenchi/server/hono')).toEqual(['honoKenchi'])
    // The first names stay: `./express` and `./adapters/express` are the same module.
    expect(keysOf('@kenchi/server/adapters/express')).toEqual(['expressKenchi'])
    expect(keysOf('@kenchi/server/adapters/fastify')).toEqual(['fastifyKenchi'])
    expect(keysOf('@kenchi/server/adapters/hono')).toEqual(['honoKenchi'])
  })

  it('exports at run time exactly the values its API reports list, per subpath, and no internals', () => {
    const manifest = JSON.parse(readFileSync(new URL('packages/server/package.json', root), 'utf8'))
    const everything: string[] = []
    for (const entry of entriesOf('server')) {
      const values = [...readFileSync(entry.report, 'utf8').matchAll(/^\| `(\w+)` \| ([^|]+) \|$/gm)]
        .filter(([, , kind]) => !kind!.startsWith('type-only') && /function|const|class|enum/.test(kind!))
        .map(([, name]) => name!)
        .sort()
      for (const subpath of entry.subpaths) {
        expect(Object.keys(manifest.exports)).toContain(subpath === '@kenchi/server' ? '.' : `./${subpath.slice('@kenchi/server/'.length)}`)
        expect(keysOf(subpath), subpath).toEqual(values)
      }
      everything.push(...values)
    }
    for (const internal of [
      'scaledManhattan',
      'aggregateDistance',
      'addToAggregate',
      'failureKeys',
      'negativeIpKey',
      'fraudFingerprintKey',
      'statusAfterVerdict',
      'statusAfterOutcome',
      'statusAfterLabel',
    ]) {
      expect(everything).not.toContain(internal)
    }
  })

  it('runs the kenchi command from its bin entry', () => {
    const bin = new URL('packages/server/dist/bin.js', root)
    const out = JSON.parse(execFileSync(process.execPath, [bin.pathname, 'keygen', '--id', 'ci'], { encoding: 'utf8' }))
    expect(out.keys[0].id).toBe('ci')
    let status = 0
    try {
      execFileSync(process.execPath, [bin.pathname, 'inspect', 'not-a-token'], { encoding: 'utf8' })
    } catch (error) {
      status = (error as { status: number }).status
    }
    expect(status).toBe(1)
  })
})

// The built packages, imported the way an app imports them, in a bare Node process with
// no DOM: nothing may touch window, document or navigator at import time.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('..', import.meta.url)

function importInBareNode(specifier: string): string[] {
  const script = `
    if (typeof window !== 'undefined' || typeof document !== 'undefined') throw new Error('not a bare Node')
    const m = await import(${JSON.stringify(specifier)})
    if ('default' in m) throw new Error('default export found')
    console.log(JSON.stringify(Object.keys(m).sort()))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
  return JSON.parse(out) as string[]
}

describe('built packages', () => {
  it('exist with declarations next to them', () => {
    for (const pkg of ['protocol', 'client', 'server']) {
      const manifest = JSON.parse(readFileSync(new URL(`packages/${pkg}/package.json`, root), 'utf8'))
      expect(manifest.type).toBe('module')
      // The ES modules have no side effects; the client's script files do (test/packaging/manifest.test.ts).
      if (pkg === 'client') expect(manifest.sideEffects).not.toContain(manifest.exports['.'].default)
      else expect(manifest.sideEffects).toBe(false)
      expect(Object.keys(manifest.exports['.'])[0]).toBe('types')
      for (const target of Object.values(manifest.exports['.']) as string[]) {
        expect(existsSync(new URL(`packages/${pkg}/${target}`, root)), `${pkg}: ${target}`).toBe(true)
      }
    }
    expect(existsSync(new URL('packages/client/dist/kenchi.min.js', root))).toBe(true)
    expect(existsSync(new URL('packages/client/dist/kenchi-signals.min.js', root))).toBe(true)
  })

  it('import in bare Node without touching the DOM, with named exports only', () => {
    expect(importInBareNode('@kenchi/protocol')).toEqual(expect.arrayContaining(['parseToken', 'canonicalize', 'LIMITS', 'TOKEN_ERRORS']))
    expect(importInBareNode('@kenchi/server')).toEqual(expect.arrayContaining(['createVerifier', 'memoryStore', 'REASONS']))
    expect(importInBareNode('@kenchi/client')).toEqual(expect.arrayContaining(['createKenchi', 'startRecording', 'attachForms', 'SIGNALS']))
  })

  it('keep server code out of the client builds', () => {
    for (const file of [
      'packages/client/dist/index.js',
      'packages/client/dist/kenchi.min.js',
      'packages/client/dist/kenchi-signals.min.js',
    ]) {
      const text = readFileSync(new URL(file, root), 'utf8')
      expect(text, file).not.toMatch(/createVerifier|memoryStore|from ['"]node:|require\(/)
      expect(text, file).not.toMatch(/\beval\(|new Function\(/)
    }
  })
})

describe('client exports', () => {
  it('has no load() alias any more', () => {
    expect(importInBareNode('@kenchi/client')).not.toContain('load')
  })
})

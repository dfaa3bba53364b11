// The built server package's subpath exports and its `kenchi-server` command, as an app uses them.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

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

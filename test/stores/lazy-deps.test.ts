// The store drivers are optional peer dependencies: importing the built @kenchi/server must
// not load them, and a store whose driver is missing must say so with CONFIG_STORE. A module
// resolve hook makes both packages unresolvable in a bare Node process to prove it.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url)

const HOOKS = `export async function resolve(specifier, context, next) {
  if (specifier === 'better-sqlite3' || specifier === 'ioredis' || specifier === 'pg' || specifier === '@simplewebauthn/server') {
    const error = new Error('Cannot find package ' + specifier + ' (hidden by the test)')
    error.code = 'ERR_MODULE_NOT_FOUND'
    throw error
  }
  return next(specifier, context)
}`
const REGISTER = `import { register } from 'node:module'
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}))`

function runWithoutDrivers(script: string): unknown {
  const out = execFileSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '-e', script],
    { cwd: root, encoding: 'utf8' },
  )
  return JSON.parse(out)
}

describe('store drivers', () => {
  it('are not loaded by importing @kenchi/server (or /stepup), and a missing one is a CONFIG_STORE error', () => {
    const result = runWithoutDrivers(`
      const m = { ...(await import('@kenchi/server')), ...(await import('@kenchi/server/stepup')) }
      const verifier = await m.createVerifier({ keys: [{ id: 'k', secret: 'x'.repeat(32) }], origins: ['https://a.example'], hashSecret: 'y'.repeat(32) })
      const errors = []
      for (const make of [() => m.sqliteStore({ path: ':memory:' }), () => m.redisStore({ url: 'redis://127.0.0.1:1' }), () => m.postgresStore({ connectionString: 'postgres://127.0.0.1:1/x' })]) {
        errors.push(await make().then(() => 'resolved', (e) => e.code + ' ' + e.message))
      }
      const stepUp = m.createStepUp({ verifier, secret: 'z'.repeat(32), sender: { channel: 'email', send: async () => {} }, passkey: { rpId: 'a.example', origins: ['https://a.example'] } })
      errors.push(await stepUp.passkeyOptions({ eventId: 'e', userId: 'u', credentials: [{ id: 'c' }] }).then(() => 'resolved', (e) => e.code + ' ' + e.message))
      console.log(JSON.stringify({ exports: Object.keys(await import('@kenchi/server')).sort(), verifier: typeof verifier.verify, errors }))`)
    expect(result).toMatchObject({
      exports: expect.arrayContaining(['createVerifier', 'memoryStore', 'sqliteStore', 'redisStore', 'postgresStore']),
      verifier: 'function',
      errors: [
        expect.stringMatching(/^CONFIG_STORE sqliteStore needs the better-sqlite3 package/),
        expect.stringMatching(/^CONFIG_STORE redisStore needs the ioredis package/),
        expect.stringMatching(/^CONFIG_STORE postgresStore needs the pg package/),
        expect.stringMatching(/^CONFIG_STEP_UP passkeys need the optional dependency @simplewebauthn\/server/),
      ],
    })
  })

  it('load when used', () => {
    const result = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { sqliteStore } = await import('@kenchi/server')
         const store = await sqliteStore({ path: ':memory:' })
         console.log(JSON.stringify([await store.setIfAbsent('a', 1000), await store.setIfAbsent('a', 1000)]))
         await store.close()`,
      ],
      { cwd: root, encoding: 'utf8' },
    )
    expect(JSON.parse(result)).toEqual([true, false])
  })
})

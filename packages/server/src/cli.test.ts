import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tokenFor } from '../../../test/support/tokens.js'
import { runCli, type CliIo } from './cli.js'
import { createVerifier } from './verifier.js'
import { createConfirmations } from './stepup/confirm.js'
import { createStepUp } from './stepup/stepup.js'
import { sqliteStore } from './stores/sqlite.js'

function io(stdin = ''): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), stdin: () => stdin, now: () => 1_800_000_000_000 }
}

const SECRET = 'cli-secret-cli-secret-cli-secret-cli-01'

async function realToken() {
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: SECRET }],
    origins: ['https://shop.example'],
    hashSecret: 'h'.repeat(32),
  })
  return tokenFor((await verifier.challenge({ action: 'checkout', origin: 'https://shop.example' })).challenge)
}

describe('kenchi CLI', () => {
  it('keygen prints a usable key and hash secret', async () => {
    const out = io()
    expect(runCli(['keygen', '--id', 'k2026'], out)).toBe(0)
    const generated = JSON.parse(out.stdout.join('\n'))
    expect(generated.keys[0].id).toBe('k2026')
    expect(Buffer.from(generated.keys[0].secret, 'base64url')).toHaveLength(32)
    await expect(
      createVerifier({ keys: generated.keys, hashSecret: generated.hashSecret, origins: ['https://a.example'] }),
    ).resolves.toBeDefined()
    expect(runCli(['keygen', '--id', 'bad id'], io())).toBe(2)
  })

  it('keygen --env prints one env line per secret, and they configure a verifier, step-up and confirmations', async () => {
    const out = io()
    expect(runCli(['keygen', '--env', '--id', '2026-12'], out)).toBe(0)
    const lines = out.stdout
      .join('\n')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
    const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    expect(Object.keys(env)).toEqual([
      'KENCHI_KEY_ID',
      'KENCHI_SECRET',
      'KENCHI_HASH_SECRET',
      'KENCHI_STEP_UP_SECRET',
      'KENCHI_CONFIRM_SECRET',
    ])
    expect(env.KENCHI_KEY_ID).toBe('2026-12')
    for (const name of ['KENCHI_SECRET', 'KENCHI_HASH_SECRET', 'KENCHI_STEP_UP_SECRET', 'KENCHI_CONFIRM_SECRET'])
      expect(Buffer.from(env[name]!, 'base64url')).toHaveLength(32)
    expect(new Set(Object.values(env)).size).toBe(5)
    const verifier = await createVerifier({
      keys: [{ id: env.KENCHI_KEY_ID!, secret: env.KENCHI_SECRET! }],
      hashSecret: env.KENCHI_HASH_SECRET!,
      origins: ['https://a.example'],
    })
    const sender = { channel: 'email', send: async () => {} }
    expect(() => createStepUp({ verifier, secret: env.KENCHI_STEP_UP_SECRET!, sender })).not.toThrow()
    expect(() =>
      createConfirmations({ store: verifier.store, secret: env.KENCHI_CONFIRM_SECRET!, sender, linkUrl: 'https://a.example/confirm' }),
    ).not.toThrow()
  })

  it('inspect explains a token, checks its device signature and, with the secret, its MAC', async () => {
    const token = await realToken()
    const plain = io()
    expect(runCli(['inspect', token], plain)).toBe(0)
    const text = plain.stdout.join('\n')
    expect(text).toContain('action checkout, origin https://shop.example')
    expect(text).toContain('signature valid')
    expect(text).toContain('MAC not checked')
    expect(text).toMatch(/webdriver\s+false/)

    const checked = io()
    expect(runCli(['inspect', token, '--secret', SECRET, '--json'], checked)).toBe(0)
    expect(JSON.parse(checked.stdout.join(''))).toMatchObject({
      challengeMac: 'valid',
      deviceSignature: 'valid',
      challenge: { action: 'checkout' },
    })
    const wrong = io()
    expect(runCli(['inspect', token, '--secret', 'x'.repeat(32), '--json'], wrong)).toBe(1)
    expect(JSON.parse(wrong.stdout.join('')).challengeMac).toBe('invalid')

    const stdin = io(token + '\n')
    expect(runCli(['inspect', '-'], stdin)).toBe(0)
  })

  it('inspect reports a broken token with its code and a tampered one as invalid', async () => {
    const broken = io()
    expect(runCli(['inspect', 'kt1.abc'], broken)).toBe(1)
    expect(broken.stdout.join('')).toContain('INVALID TOKEN_MALFORMED')
    const token = await realToken()
    const [p, b, s] = token.split('.')
    const tampered = `${p}.${b}.${s!.startsWith('A') ? 'B' + s!.slice(1) : 'A' + s!.slice(1)}`
    const out = io()
    expect(runCli(['inspect', tampered, '--json'], out)).toBe(1)
    expect(JSON.parse(out.stdout.join('')).deviceSignature).toBe('invalid')
  })

  it('prints usage for unknown commands and flags', () => {
    const out = io()
    expect(runCli(['frobnicate'], out)).toBe(2)
    expect(out.stderr.join('')).toContain('usage:')
    expect(runCli(['inspect', '--bogus'], io())).toBe(2)
    expect(runCli(['--help'], io())).toBe(0)
  })

  it('privacy export and erase answer requests on a site’s SQLite file, found by login id and user id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-cli-privacy-'))
    try {
      const hashSecret = 'cli privacy hash secret, 32 bytes or more'
      const site = (id: string) => ({
        id,
        origins: ['https://shop.example'],
        keys: [{ id: 'k1', secret: SECRET }],
        hashSecret,
        apiSecrets: [{ id: 'a', secret: `api secret of ${id}, long enough` }],
      })
      const config = join(dir, 'kenchi.config.json')
      writeFileSync(
        config,
        JSON.stringify({ store: { type: 'sqlite', path: join(dir, '{site}.db') }, sites: [site('shop'), site('other')] }),
      )
      // What the service would have written: a login by user id, a guess at the login id, a fraud label.
      const store = await sqliteStore({ path: join(dir, 'shop.db') })
      const verifier = await createVerifier({ keys: [{ id: 'k1', secret: SECRET }], origins: ['https://shop.example'], hashSecret, store })
      const login = async (context: Record<string, string>) => {
        const token = await tokenFor((await verifier.challenge({ action: 'login', origin: 'https://shop.example' })).challenge)
        return verifier.verify(token, { action: 'login', ip: '203.0.113.5', ...context })
      }
      const own = await login({ userId: 'u-1001' })
      await verifier.reportOutcome(own.eventId, 'login_succeeded')
      const guess = await login({ loginId: 'taro@example.jp' })
      await verifier.label(guess.eventId, 'fraud', { comment: 'not the customer' })
      const unrelated = await login({ userId: 'u-2002' })
      await verifier.flush()
      verifier.close()
      await store.close()

      const run = async (...args: string[]) => {
        const out = io()
        const code = await runCli(['privacy', ...args], out)
        return { code, out }
      }
      expect((await run('export', '--config', config, '--user-id', 'u-1001')).code).toBe(2) // two sites: --site needed
      expect((await run('export', '--config', config, '--site', 'nope', '--user-id', 'u-1001')).out.stderr.join('')).toContain(
        'no site nope',
      )
      expect((await run('export', '--config', config, '--site', 'shop')).code).toBe(2)
      expect((await run('forget', '--config', config, '--site', 'shop', '--user-id', 'x')).code).toBe(2)

      const exported = await run('export', '--config', config, '--site', 'shop', '--user-id', 'u-1001', '--login-id', 'taro@example.jp')
      expect(exported.code).toBe(0)
      const data = JSON.parse(exported.out.stdout.join('\n'))
      expect(data.events.map((e: { id: string }) => e.id).sort()).toEqual([own.eventId, guess.eventId].sort())
      expect(data.devices).toHaveLength(1)

      const erased = await run('erase', '--config', config, '--site', 'shop', '--user-id', 'u-1001', '--login-id', 'taro@example.jp')
      expect(erased.code).toBe(0)
      expect(JSON.parse(erased.out.stdout.join('\n'))).toMatchObject({ site: 'shop', events: 1, minimizedEvents: 1, links: 3 }) // the pair and the two fingerprint pairs (coarse, fine)
      const again = JSON.parse(
        (await run('export', '--config', config, '--site', 'shop', '--user-id', 'u-1001', '--login-id', 'taro@example.jp')).out.stdout.join(
          '\n',
        ),
      )
      expect(again).toMatchObject({ events: [], devices: [], counters: {} })
      // --all also removes the fraud-labelled event, found here by its keyed hash before the first erasure minimized it: nothing left to find.
      expect(
        JSON.parse(
          (await run('erase', '--config', config, '--site', 'shop', '--login-id', 'taro@example.jp', '--all')).out.stdout.join('\n'),
        ),
      ).toMatchObject({ events: 0, minimizedEvents: 0 })

      const check = await sqliteStore({ path: join(dir, 'shop.db') })
      expect(await check.getEvent(own.eventId)).toBeUndefined()
      expect(await check.getEvent(guess.eventId)).toMatchObject({ label: { label: 'fraud' } })
      expect((await check.getEvent(guess.eventId))?.loginHash).toBeUndefined()
      expect((await check.getEvent(unrelated.eventId))?.userHash).toBeDefined()
      await check.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})

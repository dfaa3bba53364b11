import { describe, expect, it } from 'vitest'
import { tokenFor } from '../../../test/support/tokens.js'
import { runCli, type CliIo } from './cli.js'
import { createVerifier } from './verifier.js'
import { createConfirmations } from './stepup/confirm.js'
import { createStepUp } from './stepup/stepup.js'

function io(stdin = ''): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), stdin: () => stdin, now: () => 1_800_000_000_000 }
}

const SECRET = 'cli-secret-cli-secret-cli-secret-cli-01'

async function realToken() {
  const verifier = await createVerifier({ keys: [{ id: 'k1', secret: SECRET }], origins: ['https://shop.example'], hashSecret: 'h'.repeat(32) })
  return tokenFor((await verifier.challenge({ action: 'checkout', origin: 'https://shop.example' })).challenge)
}

describe('kenchi CLI', () => {
  it('keygen prints a usable key and hash secret', async () => {
    const out = io()
    expect(runCli(['keygen', '--id', 'k2026'], out)).toBe(0)
    const generated = JSON.parse(out.stdout.join('\n'))
    expect(generated.keys[0].id).toBe('k2026')
    expect(Buffer.from(generated.keys[0].secret, 'base64url')).toHaveLength(32)
    await expect(createVerifier({ keys: generated.keys, hashSecret: generated.hashSecret, origins: ['https://a.example'] })).resolves.toBeDefined()
    expect(runCli(['keygen', '--id', 'bad id'], io())).toBe(2)
  })

  it('keygen --env prints one env line per secret, and they configure a verifier, step-up and confirmations', async () => {
    const out = io()
    expect(runCli(['keygen', '--env', '--id', '2026-12'], out)).toBe(0)
    const lines = out.stdout.join('\n').split('\n').filter((l) => !l.startsWith('#'))
    const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    expect(Object.keys(env)).toEqual(['KENCHI_KEY_ID', 'KENCHI_SECRET', 'KENCHI_HASH_SECRET', 'KENCHI_STEP_UP_SECRET', 'KENCHI_CONFIRM_SECRET'])
    expect(env.KENCHI_KEY_ID).toBe('2026-12')
    for (const name of ['KENCHI_SECRET', 'KENCHI_HASH_SECRET', 'KENCHI_STEP_UP_SECRET', 'KENCHI_CONFIRM_SECRET']) expect(Buffer.from(env[name]!, 'base64url')).toHaveLength(32)
    expect(new Set(Object.values(env)).size).toBe(5)
    const verifier = await createVerifier({ keys: [{ id: env.KENCHI_KEY_ID!, secret: env.KENCHI_SECRET! }], hashSecret: env.KENCHI_HASH_SECRET!, origins: ['https://a.example'] })
    const sender = { channel: 'email', send: async () => {} }
    expect(() => createStepUp({ verifier, secret: env.KENCHI_STEP_UP_SECRET!, sender })).not.toThrow()
    expect(() => createConfirmations({ store: verifier.store, secret: env.KENCHI_CONFIRM_SECRET!, sender, linkUrl: 'https://a.example/confirm' })).not.toThrow()
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
    expect(JSON.parse(checked.stdout.join(''))).toMatchObject({ challengeMac: 'valid', deviceSignature: 'valid', challenge: { action: 'checkout' } })
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
})

// The built server's list, geography and notification pieces, used from a bare Node
// process the way an app uses them: the data packages and nodemailer must resolve from the
// built files (they are external to the bundle), and importing must stay cheap.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const root = new URL('..', import.meta.url)

describe('built server: lists, geography, notifier', () => {
  it('loads its data lazily and works from dist', () => {
    const script = `
      const m = { ...(await import('@kenchi/server/lists')), ...(await import('@kenchi/server/rules')), ...(await import('@kenchi/server/notify')) }
      const geo = await m.createGeo()
      const email = await m.emailDomainRule().evaluate({ context: { action: 'register', email: 'a@mailinator.com' } })
      const ip = await m.ipListRule({ deny: ['2001:db8::/32'] }).evaluate({ context: { action: 'login', ip: '2001:db8::1' } })
      const n = m.createNotifier({ email: { transport: { jsonTransport: true }, from: 'k@shop.example', to: 'a@shop.example' } })
      n.notify({ kind: 'k', code: 'C' })
      await n.flush()
      console.log(JSON.stringify({ jp: geo.country('133.242.0.1'), email: email.map((r) => r.code), ip: ip.map((r) => r.code), stats: n.stats }))`
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }))
    expect(out).toEqual({
      jp: 'JP',
      email: ['DISPOSABLE_EMAIL'],
      ip: ['NEGATIVE_IP'],
      stats: { sent: 1, suppressed: 0, dropped: 0, failed: 0 },
    })
  })

  it('does not load the heavy packages at import', () => {
    const script = `
      for (const entry of ['', '/rules', '/lists', '/notify', '/stepup']) await import('@kenchi/server' + entry)
      const { createRequire } = await import('node:module')
      const loaded = Object.keys(createRequire(import.meta.url).cache ?? {})
      console.log(JSON.stringify(loaded.filter((p) => /maxmind|nodemailer|disposable-email/.test(p))))`
    expect(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }))).toEqual([])
  })
})

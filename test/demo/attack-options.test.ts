// demo/attack.mjs is a demo tool for the shop on this machine: it refuses a URL on another
// machine unless told otherwise, before it fetches anything or starts a browser.
import { describe, expect, it } from 'vitest'
// @ts-expect-error the demo is plain JavaScript
import { AttackOptionError, isLoopback, parseAttackArgs, runAttack } from '../../demo/attack.mjs'

describe('demo:attack targets', () => {
  it('refuses a URL that is not on this machine, before any request', async () => {
    for (const url of [
      'http://example.com/',
      'https://192.0.2.10:3000/',
      'http://127.0.0.1.example.com/',
      'http://0.0.0.0:3000/',
      'http://[2001:db8::1]/',
    ]) {
      await expect(runAttack({ url, attempts: 1 }), url).rejects.toThrow(AttackOptionError)
      await expect(runAttack({ url, attempts: 1 }), url).rejects.toThrow(/is not this machine.*--allow-remote/)
    }
  })

  it('takes localhost, 127.0.0.0/8 and [::1], and another machine with allowRemote', async () => {
    for (const host of ['localhost', '127.0.0.1', '127.3.2.1', '[::1]'])
      expect(isLoopback(new URL(`http://${host}:3000/`).hostname), host).toBe(true)
    // Nothing listens on port 9: the options pass, and the bot says the shop is not there.
    await expect(runAttack({ url: 'http://localhost:9/', attempts: 1 })).rejects.toThrow(/Cannot reach the demo shop/)
    // Allowed elsewhere: an aborted signal stops it at the first request, which it did try.
    const stopped = AbortSignal.abort()
    await expect(runAttack({ url: 'http://192.0.2.10/', attempts: 1, allowRemote: true, signal: stopped })).rejects.toThrow(
      /Cannot reach the demo shop at http:\/\/192\.0\.2\.10\//,
    )
    expect(parseAttackArgs(['http://192.0.2.10/', '--allow-remote']).options).toMatchObject({
      url: 'http://192.0.2.10/',
      allowRemote: true,
    })
    expect(parseAttackArgs([]).options.allowRemote).toBe(false)
  })
})

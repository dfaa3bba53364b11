// The console on the service: a `console` section in the configuration mounts
// @kenchi/console under its path, one view per site, with the first admin from the
// environment (what `kenchi-server serve` does). Real HTTP; a verdict made through /v1/verify
// shows in its site's view only, and the console's roles and CSRF apply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../packages/console/src/index.js'
import { resolveConfig } from '../../packages/server/src/service/config.js'
import { mountConfiguredConsole } from '../../packages/server/src/service/console.js'
import { createService, type Service } from '../../packages/server/src/service/index.js'
import { post, SECRETS, SHOP_ORIGIN, tokenFrom, twoSiteConfig } from './support.js'

const PASSWORD = 'console-admin-password-1'

describe('the console on the service', () => {
  let service: Service
  let url: string
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    env = { ...process.env, KENCHI_CONSOLE_ADMIN: 'ops', KENCHI_CONSOLE_ADMIN_PASSWORD_HASH: await hashPassword(PASSWORD) }
    const config = resolveConfig({ ...twoSiteConfig(), console: { path: '/console' } }, env)
    service = await createService({ config, clientDir: false, logger: false })
    expect(await mountConfiguredConsole(service, config, env)).toBe('/console')
    url = (await service.listen({ port: 0 })).url
  })

  afterAll(async () => {
    await service?.close()
  })

  it('signs the admin from the environment in, and shows each site its own verdicts', async () => {
    const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
    const verdict = (await post(url, '/v1/verify', { token, context: { action: 'login', loginId: 'a@example.jp' } }, SECRETS.shop))
      .body as { eventId: string }

    expect((await fetch(`${url}/console/api/events`)).status).toBe(401)
    const wrong = await fetch(`${url}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ops', password: 'not-the-password' }),
    })
    expect(wrong.status).toBe(401)
    const signIn = await fetch(`${url}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ops', password: PASSWORD }),
    })
    expect(signIn.status).toBe(200)
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    const { csrf } = (await signIn.json()) as { csrf: string }

    const ids = async (site: string) =>
      (
        (await (await fetch(`${url}/console/api/events?site=${site}`, { headers: { cookie } })).json()) as { events: Array<{ id: string }> }
      ).events.map((e) => e.id)
    expect(await ids('shop')).toEqual([verdict.eventId])
    expect(await ids('other')).toEqual([])

    // A change needs the session's CSRF token; with it, the label reaches the site's store.
    const label = (headers: Record<string, string>) =>
      fetch(`${url}/console/api/events/${verdict.eventId}/label?site=shop`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: url, ...headers },
        body: JSON.stringify({ label: 'legit' }),
      })
    expect((await label({})).status).toBe(403)
    expect((await label({ 'x-csrf-token': csrf })).status).toBe(200)
    expect((await service.sites.get('shop')!.store.getEvent(verdict.eventId))?.label?.label).toBe('legit')
  })

  it('keeps the service routes its own: a console path that would shadow them is refused at start', () => {
    for (const path of ['/v1', '/healthz', '/s', 'console', '/a/b']) {
      expect(() => resolveConfig({ ...twoSiteConfig(), console: { path } }, env), path).toThrow(/console\.path/)
    }
    expect(() => resolveConfig({ ...twoSiteConfig(), console: { path: '/console', users: [] } }, env)).toThrow(
      /console\.users: unknown field/,
    )
  })
})

// A PHP shop (plain PHP + curl) and a Python shop (standard library) each log a customer in
// through the running service: examples/php/login.php and examples/python/login.py, run by
// Debian's php-cli and python3 (.ci/run installs them), with a real token from the service's
// challenge endpoint; the wrong secret is refused.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type Service } from '../../packages/server/src/service/index.js'
import { clientDir, SECRETS, SHOP_ORIGIN, tokenFrom, twoSiteConfig } from './support.js'

const run = promisify(execFile)
const example = (path: string) => fileURLToPath(new URL(`../../examples/${path}`, import.meta.url))
const shops = [
  ['PHP', 'php', example('php/login.php')],
  ['Python', 'python3', example('python/login.py')],
] as const

let service: Service
let url: string
beforeAll(async () => {
  service = await createService({ config: twoSiteConfig(), clientDir, logger: false })
  url = (await service.listen({ port: 0 })).url
})
afterAll(async () => {
  await service?.close()
})

describe.each(shops)('a %s shop', (_name, command, script) => {
  const login = async (env: Record<string, string>) => {
    const { stdout } = await run(command, [script], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        PYTHONDONTWRITEBYTECODE: '1',
        KENCHI_URL: url,
        CLIENT_IP: '198.51.100.7',
        USER_AGENT: 'Mozilla/5.0',
        ...env,
      },
      timeout: 15000,
    })
    return JSON.parse(stdout.trim()) as {
      result: string
      decision?: string
      eventId?: string
      reasons?: string[]
      error?: string
      status?: number
    }
  }

  it('logs a customer in, and the service records the outcome', async () => {
    const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
    const answer = await login({ KENCHI_SECRET: SECRETS.shop, LOGIN_EMAIL: 'hanako@example.jp', LOGIN_TOKEN: token })
    expect(answer).toMatchObject({ result: 'logged_in', decision: 'allow', reasons: ['TEST_MODE'] })
    const event = await service.sites.get('shop')!.store.getEvent(answer.eventId!)
    expect(event?.outcomes?.map((o) => o.outcome)).toEqual(['login_succeeded'])
  })

  it('asks for a second factor on a challenge verdict, and refuses a replayed token', async () => {
    const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
    expect(await login({ KENCHI_SECRET: SECRETS.shop, LOGIN_EMAIL: 'challenge@kenchi.test', LOGIN_TOKEN: token })).toMatchObject({
      result: 'second_factor',
      decision: 'challenge',
    })
    expect(await login({ KENCHI_SECRET: SECRETS.shop, LOGIN_EMAIL: 'challenge@kenchi.test', LOGIN_TOKEN: token })).toMatchObject({
      result: 'refused',
      decision: 'deny',
      reasons: ['TOKEN_REPLAYED'],
    })
  })

  it('is refused with the wrong secret, and no token is spent', async () => {
    const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
    expect(await login({ KENCHI_SECRET: 'not-the-secret-0123456789abcdef', LOGIN_EMAIL: 'hanako@example.jp', LOGIN_TOKEN: token })).toEqual(
      { result: 'error', error: 'unauthorized', status: 401 },
    )
    expect(await login({ KENCHI_SECRET: SECRETS.other, LOGIN_EMAIL: 'hanako@example.jp', LOGIN_TOKEN: token })).toMatchObject({
      result: 'refused',
      decision: 'deny',
    })
    expect(await login({ KENCHI_SECRET: SECRETS.shopNext, LOGIN_EMAIL: 'hanako@example.jp', LOGIN_TOKEN: token })).toMatchObject({
      result: 'logged_in',
    })
  })
})

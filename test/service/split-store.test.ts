// The `split` store kind of the service configuration: validation of its parts, per-site
// prefixes, and a real service whose sites keep hot state in memory and events in SQLite files.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createService } from '../../packages/server/src/service/index.js'
import { resolveConfig } from '../../packages/server/src/service/config.js'
import type { SplitStore } from '../../packages/server/src/stores/split.js'
import { sqliteStore } from '../../packages/server/src/stores/sqlite.js'
import { parseMetrics, post, sample, SECRETS, SHOP_ORIGIN, tokenFrom, twoSiteConfig } from './support.js'

const error = (store: unknown, env: NodeJS.ProcessEnv = {}) => {
  try {
    resolveConfig(twoSiteConfig(store as Record<string, unknown>), env)
  } catch (e) {
    return (e as Error).message
  }
  return 'no error'
}

describe('split store configuration', () => {
  it('names the wrong field of a split store', () => {
    expect(
      error({ type: 'split', hot: { type: 'sqlite', path: '/tmp/{site}.db' }, history: { type: 'sqlite', path: '/tmp/{site}.db' } }),
    ).toBe('store.hot.type: must be "memory" or "redis"')
    expect(error({ type: 'split', hot: { type: 'memory' }, history: { type: 'redis', url: 'redis://127.0.0.1' } })).toBe(
      'store.history.type: must be "sqlite" or "postgres"',
    )
    expect(error({ type: 'split', hot: { type: 'memory' } })).toMatch(/^store\.history: must be an object/)
    expect(error({ type: 'split', hot: { type: 'memory' }, history: { type: 'sqlite', path: '/tmp/k.db' } })).toMatch(
      /^store\.history\.path: must contain \{site\}/,
    )
    expect(error({ type: 'split', hot: { type: 'memory' }, history: { type: 'postgres', url: 'mysql://x' } })).toMatch(
      /^store\.history\.url: must be a postgres:\/\//,
    )
    expect(
      error({ type: 'split', hot: { type: 'memory' }, history: { type: 'postgres', url: 'postgres://h/db', tablePrefix: 'Bad-' } }),
    ).toMatch(/^store\.history\.tablePrefix:/)
    expect(error({ type: 'split', hot: { type: 'memory' }, history: { type: 'postgres', url: { env: 'PG_URL' } } })).toMatch(
      /PG_URL is not set/,
    )
    expect(error({ type: 'split', hot: { type: 'memory' }, history: { type: 'sqlite', path: '/tmp/{site}.db' }, extra: 1 })).toMatch(
      /^store\.extra: unknown field/,
    )
    expect(error({ type: 'cassandra' })).toBe('store.type: must be "memory", "sqlite", "redis", "postgres" or "split"')
  })

  it('resolves per-site prefixes for Redis and a shared PostgreSQL, and secrets from the environment', () => {
    const resolved = resolveConfig(
      twoSiteConfig({ type: 'split', hot: { type: 'redis', url: { env: 'R' } }, history: { type: 'postgres', url: { env: 'PG' } } }),
      { R: 'redis://127.0.0.1:6379', PG: 'postgres://kenchi@10.0.0.7/kenchi' },
    )
    expect(resolved.sites.map((s) => s.store)).toEqual([
      {
        type: 'split',
        hot: { type: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'kenchi:shop:' },
        history: { type: 'postgres', url: 'postgres://kenchi@10.0.0.7/kenchi', tablePrefix: 'kenchi_shop_' },
      },
      {
        type: 'split',
        hot: { type: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'kenchi:other:' },
        history: { type: 'postgres', url: 'postgres://kenchi@10.0.0.7/kenchi', tablePrefix: 'kenchi_other_' },
      },
    ])
    const own = twoSiteConfig() as any
    own.sites[0].store = { type: 'postgres', url: 'postgres://h/db', tablePrefix: 'shop_' }
    expect(resolveConfig(own, {}).sites[0]!.store).toEqual({ type: 'postgres', url: 'postgres://h/db', tablePrefix: 'shop_' })
  })

  it('runs a service whose sites keep hot state in memory and events in their own SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-split-service-'))
    const service = await createService({
      config: twoSiteConfig({ type: 'split', hot: { type: 'memory' }, history: { type: 'sqlite', path: join(dir, 'history-{site}.db') } }),
      clientDir: false,
      logger: false,
    })
    try {
      const { url } = await service.listen({ port: 0 })
      const token = await tokenFrom(url, 'shop', SHOP_ORIGIN)
      const verdict = (await post(url, '/v1/verify', { token, context: { action: 'login', loginId: 'a@example.jp' } }, SECRETS.shop)).body
      expect(verdict.decision).toBe('allow')
      const store = service.sites.get('shop')!.store as SplitStore
      expect(await store.getEvent(verdict.eventId)).toBeDefined()
      expect((await post(url, '/v1/outcome', { eventId: verdict.eventId, outcome: 'login_succeeded' }, SECRETS.shop)).body.status).toBe(
        'recorded',
      )
      expect(await store.flush()).toBe(0)
      expect((await store.history.getEvent(verdict.eventId))?.outcomes).toHaveLength(1)
      expect(await store.hot.getEvent(verdict.eventId)).toBeUndefined()
      expect(await service.sites.get('other')!.store.getEvent(verdict.eventId)).toBeUndefined()
      expect(
        readdirSync(dir)
          .filter((f) => f.endsWith('.db'))
          .sort(),
      ).toEqual(['history-other.db', 'history-shop.db'])
      const metrics = parseMetrics(await (await fetch(`${url}/metrics`)).text())
      expect(sample(metrics, 'kenchi_history_queue_depth', { site: 'shop' })).toBe(0)
      expect(sample(metrics, 'kenchi_history_queue_depth', { site: 'other' })).toBe(0)
      // Events recorded just before shutdown are written by it: nothing is left pending.
      await store.recordEvent({ id: 'last', at: Date.now(), action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live' })
      expect(await service.close()).toBe(0)
      expect(store.pending).toBe(0)
      const reopened = await sqliteStore({ path: join(dir, 'history-shop.db') })
      expect((await reopened.getEvent('last'))?.id).toBe('last')
      await reopened.close()
    } finally {
      await service.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

// The PostgreSQL store's console queries beyond the conformance suite: the upgrade in place
// from a version-1 database (indexes built, reasons and per-minute counts filled from the
// events already there), and counts that follow deletions (retention sweeps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES_SCHEMA_VERSION, postgresStore } from '../../packages/server/src/stores/postgres.js'
import type { EventRecord } from '../../packages/server/src/stores/types.js'
import { startPostgres, type TestPostgres } from '../support/postgres.js'

const T = 1_800_000_000_000
const event = (id: string, at: number, extra: Partial<EventRecord> = {}): EventRecord => ({
  id,
  at,
  action: 'login',
  decision: 'allow',
  score: 0,
  reasons: [],
  mode: 'live',
  ...extra,
})

let pg: TestPostgres
beforeAll(async () => {
  pg = await startPostgres()
}, 60_000)
afterAll(async () => {
  await pg?.stop()
})

/** What version 2 added, so a version-2 database can be taken back to exactly version 1. */
const DOWNGRADE = `
  DROP TRIGGER kenchi_events_added ON kenchi_events; DROP TRIGGER kenchi_events_removed ON kenchi_events;
  DROP FUNCTION kenchi_events_added(); DROP FUNCTION kenchi_events_removed(); DROP FUNCTION kenchi_event_codes(jsonb);
  DROP TABLE kenchi_event_reasons; DROP TABLE kenchi_event_counts;
  DROP INDEX kenchi_events_decision, kenchi_events_user, kenchi_events_login, kenchi_events_device, kenchi_events_ip, kenchi_events_label;
  UPDATE kenchi_schema SET version = 1;`

describe('postgres store: console queries', () => {
  it('upgrades a version-1 database in place: indexes, reasons and counts cover the events already there', async () => {
    expect(POSTGRES_SCHEMA_VERSION).toBe(2)
    const url = await pg.createDatabase('upgrade')
    await (await postgresStore({ connectionString: url })).close()
    await pg.psql(DOWNGRADE, 'upgrade')
    // Events written by a version-1 store (its INSERT, no triggers).
    const old = [
      event('o1', T, {
        decision: 'deny',
        reasons: [{ code: 'AUTOMATION', weight: 100 }],
        userHash: 'u1',
        deviceId: 'd1',
        ip: '198.51.100.1',
      }),
      event('o2', T + 60_000, {
        decision: 'challenge',
        reasons: [{ code: 'FIRST_USER_DEVICE', weight: 10 }],
        monitored: [{ code: 'AUTOMATION', weight: 5 }],
      }),
      event('o3', T + 120_000, { label: { label: 'fraud', at: T + 130_000 } }),
    ]
    for (const e of old) {
      await pg.psql(
        `INSERT INTO kenchi_events (id, at, recorded, body) VALUES ('${e.id}', ${e.at}, ${e.at}, '${JSON.stringify(e)}'::jsonb)`,
        'upgrade',
      )
    }
    expect(await pg.psql(`SELECT to_regclass('kenchi_event_reasons') IS NULL`, 'upgrade')).toBe('t\n')
    const store = await postgresStore({ connectionString: url })
    expect(await pg.psql('SELECT version FROM kenchi_schema', 'upgrade')).toBe('2\n')
    expect((await store.queryEvents({ reason: 'AUTOMATION' })).map((e) => e.id)).toEqual(['o2', 'o1'])
    expect((await store.queryEvents({ decision: 'deny', userHash: 'u1', deviceId: 'd1', ip: '198.51.100.1' })).map((e) => e.id)).toEqual([
      'o1',
    ])
    expect((await store.queryEvents({ label: 'fraud' })).map((e) => e.id)).toEqual(['o3'])
    expect(await store.countEvents({ from: T, to: T + 179_999, bucketMs: 180_000 })).toEqual([{ at: T, allow: 1, challenge: 1, deny: 1 }])
    // New events after the upgrade are indexed and counted by the triggers.
    await store.recordEvent(event('n1', T + 60_001, { decision: 'deny', reasons: [{ code: 'AUTOMATION', weight: 100 }] }))
    await store.recordEvents([event('n2', T + 5, { decision: 'deny' }), event('n1', T, { decision: 'allow' })])
    expect((await store.queryEvents({ reason: 'AUTOMATION' })).map((e) => e.id)).toEqual(['n1', 'o2', 'o1'])
    expect(await store.countEvents({ from: T, to: T + 179_999, bucketMs: 60_000 })).toEqual([
      { at: T, allow: 0, challenge: 0, deny: 2 },
      { at: T + 60_000, allow: 0, challenge: 1, deny: 1 },
      { at: T + 120_000, allow: 1, challenge: 0, deny: 0 },
    ])
    // The indexes exist, and a filtered page is read through them, not by a sequential scan.
    const indexes = await pg.psql(
      `SELECT indexname FROM pg_indexes WHERE tablename IN ('kenchi_events', 'kenchi_event_reasons') ORDER BY 1`,
      'upgrade',
    )
    for (const name of [
      'kenchi_events_decision',
      'kenchi_events_device',
      'kenchi_events_ip',
      'kenchi_events_label',
      'kenchi_events_user',
      'kenchi_event_reasons_pkey',
    ])
      expect(indexes).toContain(name)
    const plan = await pg.psql(
      `SET enable_seqscan = off; EXPLAIN SELECT body FROM kenchi_events e WHERE e.body->>'userHash' = 'u1' AND e.at <= 9e15 ORDER BY at DESC, seq DESC LIMIT 50`,
      'upgrade',
    )
    expect(plan).toContain('kenchi_events_user')
    await store.close()
    await pg.dropDatabase('upgrade')
  })

  it('keeps counts and reasons in step with deletions (retention sweeps)', async () => {
    let now = T
    const url = await pg.createDatabase('sweep')
    const store = await postgresStore({ connectionString: url, eventRetentionMs: 1000, sweepIntervalMs: 0, now: () => now })
    await store.recordEvent(event('a', T, { decision: 'deny', reasons: [{ code: 'AUTOMATION', weight: 100 }] }))
    now = T + 5000
    await store.recordEvent(event('b', T + 1, { decision: 'deny', reasons: [{ code: 'AUTOMATION', weight: 100 }] }))
    expect((await store.countEvents({ from: T, to: T, bucketMs: 60_000 }))[0]!.deny).toBe(2)
    expect(await store.sweep()).toBeGreaterThanOrEqual(1)
    expect((await store.countEvents({ from: T, to: T, bucketMs: 60_000 }))[0]!.deny).toBe(1)
    expect((await store.queryEvents({ reason: 'AUTOMATION' })).map((e) => e.id)).toEqual(['b'])
    expect(await pg.psql('SELECT count(*) FROM kenchi_event_reasons', 'sweep')).toBe('1\n')
    await store.close()
    await pg.dropDatabase('sweep')
  })
})

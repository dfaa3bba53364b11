import type { DevicePublicKey } from '@kenchi/protocol'
import type * as Pg from 'pg'
import { KenchiError } from '../errors.js'
import { optionChecks, withTimeout } from '../validate.js'
import type { DeviceStatus } from '../verdict.js'
import { addToBuckets, checkCountQuery, checkEventQuery, emptyBuckets, lowerBound, upperBound } from './query.js'
import { checkStoreValue, type DeviceRecord, type EventRecord, type Store, type UserDeviceRecord } from './types.js'

const DAY = 86_400_000
/** Statement timeout of privacy requests (`listUserEvents`, `eraseUserEvents`, `unlinkUser`), which may scan the events. */
const PRIVACY_TIMEOUT_MS = 300_000

/** The schema this code reads and writes; a database with a newer one is refused. */
export const POSTGRES_SCHEMA_VERSION = 2

/**
 * Options of {@link postgresStore}. `timeoutMs`, `maxEntriesPerKey`, `deviceRetentionMs`,
 * `eventRetentionMs`, `sweepIntervalMs` and `sweepBatch` mean what they mean in the other stores.
 */
export interface PostgresStoreOptions {
  /** Where to connect, e.g. `postgres://kenchi:secret@10.0.0.7:5432/kenchi`. Required unless `poolOptions` names the server. */
  connectionString?: string
  /** Extra `pg` pool options (`PoolConfig`: ssl, user, password…), merged over the store's. */
  poolOptions?: { [option: string]: any }
  /** Most connections the store's pool opens. Default 10. */
  maxConnections?: number
  /**
   * Longest a call may take, in ms, waiting for a connection included: after this it rejects
   * (and the server cancels the statement), so `verify()` answers under its `onStoreError`
   * policy instead of hanging (the same option as `redisStore`'s). Default 1000.
   */
  timeoutMs?: number
  /** @deprecated The old name of `timeoutMs`; still read when `timeoutMs` is not given. */
  queryTimeout?: number
  /** Prefix of the store's table and function names (letters, digits, `_`). Default `kenchi_`. */
  tablePrefix?: string
  /** Most entries kept in one counter or distinct set; the oldest go first. Default 10 000. */
  maxEntriesPerKey?: number
  /** Devices, and user–device pairs, not seen for this long are deleted by sweeps, in ms. Default 400 days. */
  deviceRetentionMs?: number
  /** Events are deleted by sweeps this long after they were recorded, in ms. Default 90 days. */
  eventRetentionMs?: number
  /** A sweep of expired rows and retention runs this often, in ms, on an unref'd timer; 0 disables it. Default 60 000. */
  sweepIntervalMs?: number
  /** Most rows one sweep deletes from each table. Default 10 000. */
  sweepBatch?: number
  /**
   * Longest the schema migration at startup may take, in ms (it may wait for another
   * process's migration, and an upgrade indexes the events already there: minutes on tens
   * of millions). Default 3 600 000 (one hour).
   */
  migrationTimeoutMs?: number
  /** Clock in Unix ms for TTLs and retention, for tests. Default `Date.now`. */
  now?: () => number
}

/** A {@link Store} kept in PostgreSQL, with a maintenance extra. */
export interface PostgresStore extends Store {
  /** Runs one bounded sweep (expired rows, retention) now and resolves how many rows it deleted. */
  sweep(): Promise<number>
  /**
   * Records many events in one statement (a multi-row INSERT); an id already recorded keeps
   * its first record, as with `recordEvent`. The split store's writer uses it.
   */
  recordEvents(events: EventRecord[]): Promise<void>
}

/**
 * A store in PostgreSQL through the `pg` driver (an optional peer dependency, loaded only
 * when this is called): history on a database operators already run and back up.
 *
 * Opening creates or upgrades the schema in place (a version row in `<prefix>schema`, under
 * an advisory lock so several processes may start at once). Every call is one round trip:
 * single statements (`INSERT … ON CONFLICT`, `UPDATE … RETURNING`) or one PL/pgSQL function
 * that takes a transaction-scoped advisory lock on the key, so counters, distinct sets,
 * device sightings and user–device links stay atomic across processes. Every call rejects
 * after `timeoutMs`. Throws `KenchiError` (`CONFIG_STORE`) for bad options, a missing
 * `pg`, an unreachable server at startup, or a database written by a newer schema.
 *
 * No `batch()` of its own: a batch of hot-path calls (`runBatch` in stores/batch.ts) runs
 * here as one call per operation (the gate first, then the rest concurrently on the pool),
 * one round trip each. The `pg` driver does not pipeline, so one transaction on one pooled
 * client would cost more round trips (BEGIN, each statement, COMMIT), not fewer; the hot
 * path belongs on Redis or memory (`splitStore`) when round trips matter.
 */
export async function postgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  if (options?.connectionString !== undefined && (typeof options.connectionString !== 'string' || options.connectionString === '')) {
    throw new KenchiError('CONFIG_STORE', 'postgresStore: connectionString, a postgres:// URL')
  }
  if (options?.connectionString === undefined && options?.poolOptions === undefined) {
    throw new KenchiError('CONFIG_STORE', 'postgresStore: connectionString (or poolOptions) is required')
  }
  const prefix = options.tablePrefix ?? 'kenchi_'
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(prefix))
    throw new KenchiError('CONFIG_STORE', 'postgresStore: tablePrefix, lower-case letters, digits and _')
  const check = optionChecks('CONFIG_STORE', 'postgresStore')
  const maxConnections = check.number('maxConnections', options.maxConnections ?? 10, { min: 1 })
  const timeout = check.number(
    options.timeoutMs !== undefined ? 'timeoutMs' : 'queryTimeout',
    options.timeoutMs ?? options.queryTimeout ?? 1000,
    { min: 1 },
  )
  const maxEntries = check.number('maxEntriesPerKey', options.maxEntriesPerKey ?? 10_000, { min: 1 })
  const deviceRetention = check.number('deviceRetentionMs', options.deviceRetentionMs ?? 400 * DAY, { min: 1 })
  const eventRetention = check.number('eventRetentionMs', options.eventRetentionMs ?? 90 * DAY, { min: 1 })
  const sweepInterval = check.number('sweepIntervalMs', options.sweepIntervalMs ?? 60_000, { min: 0 })
  const sweepBatch = check.number('sweepBatch', options.sweepBatch ?? 10_000, { min: 1 })
  const migrationTimeout = check.number('migrationTimeoutMs', options.migrationTimeoutMs ?? 3_600_000, { min: 1 })
  const clock = options.now ?? Date.now

  let pg: typeof Pg
  try {
    const mod = (await import('pg')) as typeof Pg & { default?: typeof Pg }
    pg = mod.default ?? mod
  } catch (error) {
    throw new KenchiError('CONFIG_STORE', `postgresStore needs the pg package (npm install pg): ${String(error)}`)
  }

  const connection = {
    connectionString: options.connectionString,
    application_name: 'kenchi',
    ...(options.poolOptions as Pg.PoolConfig | undefined),
  }
  // The migration runs once at startup on its own connection, with startup-sized timeouts
  // (it may wait for another process's migration), not the per-call ones.
  try {
    await migrate(
      new pg.Client({
        ...connection,
        connectionTimeoutMillis: Math.max(timeout, 10_000),
        query_timeout: migrationTimeout,
        statement_timeout: migrationTimeout,
      }),
      prefix,
    )
  } catch (error) {
    if (error instanceof KenchiError) throw error
    throw new KenchiError('CONFIG_STORE', `postgresStore: cannot open the database: ${String(error)}`, { cause: error })
  }

  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: maxConnections,
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
    statement_timeout: timeout,
    idleTimeoutMillis: 30_000,
    application_name: 'kenchi',
    ...(options.poolOptions as Pg.PoolConfig | undefined),
  })
  // An idle client losing its connection must not crash the process; the next call reconnects.
  pool.on('error', () => {})

  const t = (name: string) => `${prefix}${name}`

  let closed = false
  /** One statement, bounded by `timeoutMs` (the pool's own timeouts bound it too; this one also covers a stuck connect). */
  async function query<R extends Pg.QueryResultRow>(text: string, values: unknown[]): Promise<Pg.QueryResult<R>> {
    if (closed) throw new Error('postgresStore: closed')
    return withTimeout(
      () => pool.query<R>(text, values),
      timeout + 50,
      () => new Error(`postgresStore: no answer within ${timeout} ms`),
    )
  }
  const query_ = query // the name `query` is taken by queryEvents' parameter below
  const ttl = (ms: number) => clock() + Math.max(1, Math.ceil(ms))

  /**
   * One statement of a privacy request: off the verification path and possibly a scan of
   * the events, so it gets `PRIVACY_TIMEOUT_MS` instead of `queryTimeout` (one transaction
   * with a local statement timeout on a pooled connection).
   */
  async function slowQuery<R extends Pg.QueryResultRow>(text: string, values: unknown[]): Promise<Pg.QueryResult<R>> {
    if (closed) throw new Error('postgresStore: closed')
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query(`SET LOCAL statement_timeout = ${PRIVACY_TIMEOUT_MS}`)
      const result = await client.query<R>({ text, values, query_timeout: PRIVACY_TIMEOUT_MS + 1000 } as Pg.QueryConfig)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }
  const ofUser = `(body->>'userHash' = $1 OR body->>'loginHash' = $1)`

  async function sweep(): Promise<number> {
    const at = clock()
    const r = await query<{ n: string }>(`SELECT ${t('sweep')}($1, $2, $3, $4)::text AS n`, [
      at,
      at - deviceRetention,
      at - eventRetention,
      sweepBatch,
    ])
    return Number(r.rows[0]!.n)
  }
  const timer =
    sweepInterval > 0
      ? setInterval(() => {
          if (!closed) sweep().catch(() => {})
        }, sweepInterval)
      : undefined
  timer?.unref()

  const list = (limit: number) => Math.max(0, Math.floor(limit))

  return {
    async setIfAbsent(key, ttlMs) {
      const r = await query(
        `INSERT INTO ${t('flags')} (key, expiry) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET expiry = EXCLUDED.expiry WHERE ${t('flags')}.expiry <= $3 RETURNING 1`,
        [key, ttl(ttlMs), clock()],
      )
      return r.rowCount === 1
    },

    async hit(key, windowMs, now) {
      const r = await query<{ n: number }>(`SELECT ${t('hit')}($1, $2, $3, $4, $5) AS n`, [
        key,
        now,
        now - windowMs,
        clock() + windowMs,
        maxEntries,
      ])
      return r.rows[0]!.n
    },

    async addDistinct(key, member, windowMs, now) {
      const r = await query<{ n: number }>(`SELECT ${t('add_distinct')}($1, $2, $3, $4, $5, $6) AS n`, [
        key,
        member,
        now,
        now - windowMs,
        clock() + windowMs,
        maxEntries,
      ])
      return r.rows[0]!.n
    },

    async touchDevice(id, publicKey, now) {
      const r = await query<{ r: { before: DeviceRow | null; after: DeviceRow } }>(`SELECT ${t('touch_device')}($1, $2, $3, $4) AS r`, [
        id,
        JSON.stringify(publicKey),
        now,
        clock(),
      ])
      const { before, after } = r.rows[0]!.r
      return { before: before ? deviceFrom(before) : undefined, after: deviceFrom(after) }
    },

    async getDevice(id) {
      const r = await query<DeviceRow>(`SELECT id, public_key, status, first_seen, last_seen FROM ${t('devices')} WHERE id = $1`, [id])
      return r.rows[0] && deviceFrom(r.rows[0])
    },

    async has(key) {
      const r = await query(`SELECT 1 FROM ${t('flags')} WHERE key = $1 AND expiry > $2`, [key, clock()])
      return r.rowCount === 1
    },

    async setFlag(key, ttlMs) {
      await query(`INSERT INTO ${t('flags')} (key, expiry) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET expiry = EXCLUDED.expiry`, [
        key,
        ttl(ttlMs),
      ])
    },

    async deleteKey(key) {
      await query(
        `WITH a AS (DELETE FROM ${t('flags')} WHERE key = $1), b AS (DELETE FROM ${t('hits')} WHERE key = $1),
              c AS (DELETE FROM ${t('distinct')} WHERE key = $1) DELETE FROM ${t('values')} WHERE key = $1`,
        [key],
      )
    },

    async getValue(key) {
      const r = await query<{ value: string }>(`SELECT value FROM ${t('values')} WHERE key = $1 AND expiry > $2`, [key, clock()])
      return r.rows[0]?.value
    },

    async setValue(key, value, ttlMs) {
      checkStoreValue(value)
      await query(
        `INSERT INTO ${t('values')} (key, value, expiry) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expiry = EXCLUDED.expiry`,
        [key, value, ttl(ttlMs)],
      )
    },

    async countHits(key, windowMs, now) {
      const r = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${t('hits')} WHERE key = $1 AND t > $2 AND t <= $3 AND expiry > $4`,
        [key, now - windowMs, now, clock()],
      )
      return r.rows[0]!.n
    },

    async linkUserDevice(user, device, now) {
      const r = await query<{
        r: {
          userSeen: boolean
          deviceSeen: boolean
          trusted: boolean
          trustedDevices: number
          deviceUsers: number
          firstSeen: number | string
        }
      }>(`SELECT ${t('link')}($1, $2, $3, false, $4) AS r`, [user, device, now, clock()])
      const x = r.rows[0]!.r
      return { ...x, firstSeen: Number(x.firstSeen) }
    },

    async trustUserDevice(user, device, now) {
      await query(`SELECT ${t('link')}($1, $2, $3, true, $4)`, [user, device, now, clock()])
    },

    async listUserDevices(user, limit = 100) {
      const r = await query<LinkRow>(
        `SELECT "user", device, first_seen, last_seen, trusted FROM ${t('links')} WHERE "user" = $1 ORDER BY last_seen DESC LIMIT $2`,
        [user, list(limit)],
      )
      return r.rows.map(linkFrom)
    },

    async listDeviceUsers(device, limit = 100) {
      const r = await query<LinkRow>(
        `SELECT "user", device, first_seen, last_seen, trusted FROM ${t('links')} WHERE device = $1 ORDER BY last_seen DESC LIMIT $2`,
        [device, list(limit)],
      )
      return r.rows.map(linkFrom)
    },

    async setDeviceStatus(id, status: DeviceStatus) {
      const r = await query<DeviceRow>(
        `UPDATE ${t('devices')} SET status = $1 WHERE id = $2 RETURNING id, public_key, status, first_seen, last_seen`,
        [status, id],
      )
      return r.rows[0] && deviceFrom(r.rows[0])
    },

    async recordEvent(event) {
      await query(`INSERT INTO ${t('events')} (id, at, recorded, body) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`, [
        event.id,
        event.at,
        clock(),
        JSON.stringify(event),
      ])
    },

    async recordEvents(events) {
      if (events.length === 0) return
      const at = clock()
      await query(
        `INSERT INTO ${t('events')} (id, at, recorded, body)
           SELECT id, at, $3, body FROM unnest($1::text[], $2::bigint[], $4::jsonb[]) AS e(id, at, body)
         ON CONFLICT (id) DO NOTHING`,
        [events.map((e) => e.id), events.map((e) => e.at), at, events.map((e) => JSON.stringify(e))],
      )
    },

    async getEvent(id) {
      const r = await query<{ body: EventRecord }>(`SELECT body FROM ${t('events')} WHERE id = $1`, [id])
      return r.rows[0]?.body
    },

    async updateEvent(id, patch) {
      // One UPDATE: the row lock serialises concurrent appends; jsonb || appends to the array.
      const outcome = patch.outcome ? JSON.stringify([{ outcome: patch.outcome.outcome, at: patch.outcome.at }]) : null
      const label = patch.label ? JSON.stringify({ label: { ...patch.label } }) : null
      const r = await query<{ body: EventRecord }>(
        `UPDATE ${t('events')} SET body = body
           || CASE WHEN $2::jsonb IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('outcomes', COALESCE(body->'outcomes', '[]'::jsonb) || $2::jsonb) END
           || COALESCE($3::jsonb, '{}'::jsonb)
         WHERE id = $1 RETURNING body`,
        [id, outcome, label],
      )
      return r.rows[0]?.body
    },

    async listEvents({ limit = 100, before } = {}) {
      if (!(limit > 0)) return []
      const r = await query<{ body: EventRecord }>(`SELECT body FROM ${t('events')} WHERE at < $1 ORDER BY at DESC, seq DESC LIMIT $2`, [
        before ?? Number.MAX_SAFE_INTEGER,
        Math.floor(limit),
      ])
      return r.rows.map((row) => row.body)
    },

    async listUserEvents(user, limit = 10_000) {
      if (!(limit > 0)) return []
      const r = await slowQuery<{ body: EventRecord }>(
        `SELECT body FROM ${t('events')} WHERE ${ofUser} ORDER BY at DESC, seq DESC LIMIT $2`,
        [user, Math.floor(limit)],
      )
      return r.rows.map((row) => row.body)
    },

    async eraseUserEvents(user, { keepFraud } = {}) {
      // One statement: the fraud-labelled events kept (with keepFraud) lose what points to the person (minimizeEvent), the rest go.
      const r = await slowQuery<{ deleted: number; minimized: number }>(
        `WITH doomed AS (SELECT seq, (body->'label'->>'label' = 'fraud' AND $2) AS keep FROM ${t('events')} WHERE ${ofUser}),
              kept AS (UPDATE ${t('events')} e SET body = (e.body - 'userHash' - 'loginHash' - 'emailHash' - 'ip')
                         || jsonb_build_object('label', (e.body->'label') - 'comment')
                       FROM doomed d WHERE e.seq = d.seq AND d.keep RETURNING 1),
              gone AS (DELETE FROM ${t('events')} e USING doomed d WHERE e.seq = d.seq AND d.keep IS NOT TRUE RETURNING 1)
         SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM kept)::int AS minimized`,
        [user, keepFraud === true],
      )
      return r.rows[0]!
    },

    async unlinkUser(user) {
      const r = await slowQuery<LinkRow>(
        `DELETE FROM ${t('links')} WHERE "user" = $1 RETURNING "user", device, first_seen, last_seen, trusted`,
        [user],
      )
      return r.rows.map(linkFrom).sort((a, b) => b.lastSeen - a.lastSeen)
    },

    async deleteDevice(id) {
      const r = await query(`DELETE FROM ${t('devices')} WHERE id = $1`, [id])
      return r.rowCount === 1
    },

    async queryEvents(query) {
      const limit = checkEventQuery(query)
      if (limit === 0) return []
      // One backward walk of an index: the reason side table's (code, at, seq) when a reason
      // is asked, else (filter, at, seq) for the first of decision, user, device, IP, label
      // given (the planner picks), else (at, seq). The other filters are checked on the way.
      const values: unknown[] = []
      const where: string[] = []
      const is = (sql: string, value: unknown) => (values.push(value), where.push(sql.replace('?', `$${values.length}`)))
      const time = query.reason !== undefined ? 'r' : 'e'
      is(`${time}.at >= ?`, lowerBound(query))
      is(`${time}.at <= ?`, upperBound(query))
      if (query.reason !== undefined) is('r.code = ?', query.reason)
      if (query.decision !== undefined) is(`e.body->>'decision' = ?`, query.decision)
      if (query.wouldBe !== undefined) is(`COALESCE(e.body->>'wouldBe', e.body->>'decision') = ?`, query.wouldBe)
      if (query.action !== undefined) is(`e.body->>'action' = ?`, query.action)
      if (query.userHash !== undefined) is(`e.body->>'userHash' = ?`, query.userHash)
      if (query.deviceId !== undefined) is(`e.body->>'deviceId' = ?`, query.deviceId)
      if (query.ip !== undefined) is(`e.body->>'ip' = ?`, query.ip)
      if (query.label === 'none') where.push(`NOT (e.body ? 'label')`)
      else if (query.label === 'any') where.push(`e.body ? 'label'`)
      else if (query.label !== undefined) {
        is(`e.body->'label'->>'label' = ?`, query.label)
        where.push(`e.body ? 'label'`)
      }
      values.push(limit)
      const from = query.reason !== undefined ? `${t('event_reasons')} r JOIN ${t('events')} e ON e.seq = r.seq` : `${t('events')} e`
      const r = await query_<{ body: EventRecord }>(
        `SELECT e.body FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${time}.at DESC, ${time}.seq DESC LIMIT $${values.length}`,
        values,
      )
      return r.rows.map((row) => row.body)
    },

    async countEvents(query) {
      const { first, buckets: n } = checkCountQuery(query)
      const buckets = emptyBuckets(first, n, query.bucketMs)
      // Per-minute counts (at most 1 440 rows a day per decision, whatever the traffic), summed per bucket.
      const r = await query_<{ at: string; decision: string; n: string }>(
        `SELECT ($1::bigint + (minute - $1::bigint) / $3::bigint * $3::bigint)::text AS at, decision, sum(n)::text AS n
           FROM ${t('event_counts')} WHERE minute >= $1 AND minute < $2 GROUP BY 1, 2`,
        [first, first + n * query.bucketMs, query.bucketMs],
      )
      for (const row of r.rows) addToBuckets(buckets, query.bucketMs, Number(row.at), row.decision, Number(row.n))
      return buckets
    },

    sweep,

    async close() {
      if (closed) return
      closed = true
      if (timer) clearInterval(timer)
      await pool.end()
    },
  }
}

interface DeviceRow {
  id: string
  public_key: DevicePublicKey
  status: string
  first_seen: number | string
  last_seen: number | string
}

interface LinkRow {
  user: string
  device: string
  first_seen: number | string
  last_seen: number | string
  trusted: boolean
}

function linkFrom(row: LinkRow): UserDeviceRecord {
  return {
    userHash: row.user,
    deviceId: row.device,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    trusted: row.trusted,
  }
}

function deviceFrom(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    publicKey: row.public_key,
    status: row.status as DeviceStatus,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
  }
}

/**
 * Creates or upgrades the schema in one transaction under an advisory lock, step by step
 * from the version found in `<prefix>schema`. Refuses a database with a newer version.
 */
async function migrate(client: Pg.Client, p: string): Promise<void> {
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${p}schema`])
    await client.query(`CREATE TABLE IF NOT EXISTS ${p}schema (version integer NOT NULL)`)
    const row = await client.query<{ version: number }>(`SELECT version FROM ${p}schema`)
    const version = row.rows[0]?.version ?? 0
    if (version > POSTGRES_SCHEMA_VERSION) {
      throw new KenchiError(
        'CONFIG_STORE',
        `postgresStore: the database has schema version ${version}; this version of @kenchi/server reads up to ${POSTGRES_SCHEMA_VERSION}`,
      )
    }
    // Version 0 → 1: the first schema. Later versions add their steps below this one.
    if (version < 1) await client.query(schemaV1(p))
    // Version 1 → 2: the console's indexes, the reason side table and the per-minute counts.
    if (version < 2) await client.query(schemaV2(p))
    if (version < POSTGRES_SCHEMA_VERSION) {
      await client.query(`DELETE FROM ${p}schema`)
      await client.query(`INSERT INTO ${p}schema (version) VALUES ($1)`, [POSTGRES_SCHEMA_VERSION])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    await client.end().catch(() => {})
  }
}

function schemaV1(p: string): string {
  return `
    CREATE TABLE ${p}flags (key text PRIMARY KEY, expiry bigint NOT NULL);
    CREATE INDEX ${p}flags_expiry ON ${p}flags (expiry);
    CREATE TABLE ${p}hits (id bigserial PRIMARY KEY, key text NOT NULL, t bigint NOT NULL, expiry bigint NOT NULL);
    CREATE INDEX ${p}hits_key_t ON ${p}hits (key, t);
    CREATE INDEX ${p}hits_expiry ON ${p}hits (expiry);
    CREATE TABLE ${p}distinct (key text NOT NULL, member text NOT NULL, t bigint NOT NULL, expiry bigint NOT NULL, PRIMARY KEY (key, member));
    CREATE INDEX ${p}distinct_key_t ON ${p}distinct (key, t);
    CREATE INDEX ${p}distinct_expiry ON ${p}distinct (expiry);
    CREATE TABLE ${p}values (key text PRIMARY KEY, value text NOT NULL, expiry bigint NOT NULL);
    CREATE INDEX ${p}values_expiry ON ${p}values (expiry);
    CREATE TABLE ${p}devices (id text PRIMARY KEY, public_key jsonb NOT NULL, status text NOT NULL, first_seen bigint NOT NULL, last_seen bigint NOT NULL, touched bigint NOT NULL);
    CREATE INDEX ${p}devices_touched ON ${p}devices (touched);
    CREATE TABLE ${p}events (seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, at bigint NOT NULL, recorded bigint NOT NULL, body jsonb NOT NULL);
    CREATE INDEX ${p}events_at ON ${p}events (at DESC, seq DESC);
    CREATE INDEX ${p}events_recorded ON ${p}events (recorded);
    CREATE TABLE ${p}links ("user" text NOT NULL, device text NOT NULL, first_seen bigint NOT NULL, last_seen bigint NOT NULL, trusted boolean NOT NULL, touched bigint NOT NULL, PRIMARY KEY ("user", device));
    CREATE INDEX ${p}links_user_last ON ${p}links ("user", last_seen);
    CREATE INDEX ${p}links_device_last ON ${p}links (device, last_seen);
    CREATE INDEX ${p}links_touched ON ${p}links (touched);

    -- Each function takes a transaction-scoped advisory lock on its key, then runs statements
    -- that each see the committed work of the previous holder (READ COMMITTED, VOLATILE).
    CREATE FUNCTION ${p}hit(k text, now_ bigint, from_ bigint, expiry_ bigint, max_ int) RETURNS int LANGUAGE plpgsql AS $$
    DECLARE n int;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('${p}hits:' || k));
      INSERT INTO ${p}hits (key, t, expiry) VALUES (k, now_, expiry_);
      DELETE FROM ${p}hits WHERE key = k AND t <= from_;
      DELETE FROM ${p}hits WHERE id IN (SELECT id FROM ${p}hits WHERE key = k ORDER BY t DESC, id DESC OFFSET max_);
      SELECT count(*) INTO n FROM ${p}hits WHERE key = k AND t > from_ AND t <= now_;
      RETURN n;
    END $$;

    CREATE FUNCTION ${p}add_distinct(k text, m text, now_ bigint, from_ bigint, expiry_ bigint, max_ int) RETURNS int LANGUAGE plpgsql AS $$
    DECLARE n int; latest bigint;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('${p}distinct:' || k));
      INSERT INTO ${p}distinct (key, member, t, expiry) VALUES (k, m, now_, expiry_)
        ON CONFLICT (key, member) DO UPDATE SET t = GREATEST(${p}distinct.t, EXCLUDED.t), expiry = GREATEST(${p}distinct.expiry, EXCLUDED.expiry)
        RETURNING t INTO latest;
      DELETE FROM ${p}distinct WHERE key = k AND t <= from_;
      DELETE FROM ${p}distinct WHERE (key, member) IN (SELECT key, member FROM ${p}distinct WHERE key = k ORDER BY t DESC OFFSET max_);
      SELECT count(*) INTO n FROM ${p}distinct WHERE key = k AND t > from_ AND t <= now_;
      -- This member counts even if another caller saw it later than now_.
      IF latest > now_ THEN n := n + 1; END IF;
      RETURN n;
    END $$;

    CREATE FUNCTION ${p}touch_device(id_ text, key_ jsonb, now_ bigint, clock_ bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
    DECLARE b ${p}devices;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('${p}devices:' || id_));
      SELECT * INTO b FROM ${p}devices WHERE id = id_;
      IF NOT FOUND THEN
        INSERT INTO ${p}devices (id, public_key, status, first_seen, last_seen, touched) VALUES (id_, key_, 'waiting', now_, now_, clock_);
        RETURN jsonb_build_object('before', NULL, 'after',
          jsonb_build_object('id', id_, 'public_key', key_, 'status', 'waiting', 'first_seen', now_, 'last_seen', now_));
      END IF;
      UPDATE ${p}devices SET last_seen = GREATEST(last_seen, now_), touched = clock_ WHERE id = id_;
      RETURN jsonb_build_object(
        'before', jsonb_build_object('id', b.id, 'public_key', b.public_key, 'status', b.status, 'first_seen', b.first_seen, 'last_seen', b.last_seen),
        'after', jsonb_build_object('id', b.id, 'public_key', b.public_key, 'status', b.status, 'first_seen', b.first_seen, 'last_seen', GREATEST(b.last_seen, now_)));
    END $$;

    CREATE FUNCTION ${p}link(u text, d text, now_ bigint, trust boolean, clock_ bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
    DECLARE user_seen boolean; device_seen boolean; a ${p}links;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('${p}links-user:' || u));
      PERFORM pg_advisory_xact_lock(hashtext('${p}links-device:' || d));
      user_seen := EXISTS (SELECT 1 FROM ${p}links WHERE "user" = u);
      device_seen := EXISTS (SELECT 1 FROM ${p}links WHERE "user" = u AND device = d);
      INSERT INTO ${p}links ("user", device, first_seen, last_seen, trusted, touched) VALUES (u, d, now_, now_, trust, clock_)
        ON CONFLICT ("user", device) DO UPDATE SET last_seen = GREATEST(${p}links.last_seen, EXCLUDED.last_seen),
          trusted = ${p}links.trusted OR EXCLUDED.trusted, touched = EXCLUDED.touched
        RETURNING * INTO a;
      RETURN jsonb_build_object('userSeen', user_seen, 'deviceSeen', device_seen, 'trusted', a.trusted,
        'trustedDevices', (SELECT count(*) FROM ${p}links WHERE "user" = u AND trusted),
        'deviceUsers', (SELECT count(*) FROM ${p}links WHERE device = d),
        'firstSeen', a.first_seen);
    END $$;

    CREATE FUNCTION ${p}sweep(at_ bigint, devices_before bigint, events_before bigint, batch int) RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE n bigint := 0; c bigint;
    BEGIN
      DELETE FROM ${p}flags WHERE key IN (SELECT key FROM ${p}flags WHERE expiry <= at_ LIMIT batch); GET DIAGNOSTICS c = ROW_COUNT; n := n + c;
      DELETE FROM ${p}hits WHERE id IN (SELECT id FROM ${p}hits WHERE expiry <= at_ LIMIT batch); GET DIAGNOSTICS c = ROW_COUNT; n := n + c;
      DELETE FROM ${p}distinct WHERE (key, member) IN (SELECT key, member FROM ${p}distinct WHERE expiry <= at_ LIMIT batch); GET DIAGNOSTICS c = ROW_COUNT; n := n + c;
      DELETE FROM ${p}values WHERE key IN (SELECT key FROM ${p}values WHERE expiry <= at_ LIMIT batch); GET DIAGNOSTICS c = ROW_COUNT; n := n + c;
      DELETE FROM ${p}devices WHERE id IN (SELECT id FROM ${p}devices WHERE touched <= devices_before LIMIT batch); GET DIAGNOSTICS c = ROW_COUNT; n := n + c;
      DELETE FROM ${p}links WHERE ("user", device) IN (SELECT "user", device FROM ${p}links WHERE touched <= devices_before LIMIT batch); GET DIAGNOSTICS c = ROW_COUNT; n := n + c;
      DELETE FROM ${p}events WHERE seq IN (SELECT seq FROM ${p}events WHERE recorded <= events_before LIMIT batch); GET DIAGNOSTICS c = ROW_COUNT; n := n + c;
      RETURN n;
    END $$;
  `
}

/**
 * Version 2: what keeps the console's pages fast at 100 million events. Every filtered page
 * is one backward walk of a (filter, at) index, stopping after `limit` rows; reasons get a
 * side table (one row per distinct code of an event, reasons and monitored), kept by a
 * statement-level trigger; a 30-day chart reads per-minute counts (one row per minute and
 * decision) kept by triggers on insert and delete, instead of the events. Existing events
 * are indexed and counted during the upgrade.
 */
function schemaV2(p: string): string {
  return `
    CREATE INDEX ${p}events_decision ON ${p}events ((body->>'decision'), at DESC, seq DESC);
    CREATE INDEX ${p}events_user ON ${p}events ((body->>'userHash'), at DESC, seq DESC);
    CREATE INDEX ${p}events_login ON ${p}events ((body->>'loginHash'), at DESC, seq DESC);
    CREATE INDEX ${p}events_device ON ${p}events ((body->>'deviceId'), at DESC, seq DESC);
    CREATE INDEX ${p}events_ip ON ${p}events ((body->>'ip'), at DESC, seq DESC);
    CREATE INDEX ${p}events_label ON ${p}events ((body->'label'->>'label'), at DESC, seq DESC) WHERE body ? 'label';
    CREATE TABLE ${p}event_reasons (code text NOT NULL, at bigint NOT NULL, seq bigint NOT NULL REFERENCES ${p}events (seq) ON DELETE CASCADE, PRIMARY KEY (code, at, seq));
    CREATE INDEX ${p}event_reasons_seq ON ${p}event_reasons (seq);
    CREATE TABLE ${p}event_counts (minute bigint NOT NULL, decision text NOT NULL, n bigint NOT NULL, PRIMARY KEY (minute, decision));

    CREATE FUNCTION ${p}event_codes(body jsonb) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
      SELECT DISTINCT r->>'code' FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(body->'reasons') = 'array' THEN body->'reasons' ELSE '[]'::jsonb END ||
        CASE WHEN jsonb_typeof(body->'monitored') = 'array' THEN body->'monitored' ELSE '[]'::jsonb END) r
      WHERE jsonb_typeof(r) = 'object' AND r->>'code' IS NOT NULL
    $$;
    CREATE FUNCTION ${p}events_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${p}event_reasons (code, at, seq) SELECT c, n.at, n.seq FROM added n, ${p}event_codes(n.body) c;
      INSERT INTO ${p}event_counts (minute, decision, n)
        SELECT n.at - n.at % 60000 - CASE WHEN n.at % 60000 < 0 THEN 60000 ELSE 0 END, n.body->>'decision', count(*) FROM added n GROUP BY 1, 2
        ON CONFLICT (minute, decision) DO UPDATE SET n = ${p}event_counts.n + EXCLUDED.n;
      RETURN NULL;
    END $$;
    CREATE FUNCTION ${p}events_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE ${p}event_counts c SET n = c.n - o.n FROM (
        SELECT r.at - r.at % 60000 - CASE WHEN r.at % 60000 < 0 THEN 60000 ELSE 0 END AS minute, r.body->>'decision' AS decision, count(*) AS n FROM removed r GROUP BY 1, 2
      ) o WHERE c.minute = o.minute AND c.decision = o.decision;
      DELETE FROM ${p}event_counts WHERE n <= 0;
      RETURN NULL;
    END $$;
    CREATE TRIGGER ${p}events_added AFTER INSERT ON ${p}events REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ${p}events_added();
    CREATE TRIGGER ${p}events_removed AFTER DELETE ON ${p}events REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION ${p}events_removed();

    INSERT INTO ${p}event_reasons (code, at, seq) SELECT c, e.at, e.seq FROM ${p}events e, ${p}event_codes(e.body) c;
    INSERT INTO ${p}event_counts (minute, decision, n)
      SELECT e.at - e.at % 60000 - CASE WHEN e.at % 60000 < 0 THEN 60000 ELSE 0 END, e.body->>'decision', count(*) FROM ${p}events e GROUP BY 1, 2;
  `
}

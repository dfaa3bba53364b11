// The console's queries: event pages through `store.queryEvents` (indexed on PostgreSQL),
// charts through `store.countEvents` (per-minute counts on PostgreSQL), the user–device–IP
// graph from the link tables. A store without `queryEvents` (one written before it) is
// scanned instead: at most `MAX_SCAN` recent events are read per request.
import { reasonLabel } from './reasons.js'

/** Most events one request reads from the store. */
export const MAX_SCAN = 5000
const BATCH = 500

const DECISIONS = ['allow', 'challenge', 'deny']
const LABELS = ['fraud', 'legit', 'none', 'any']
const ID = /^[\w-]{1,128}$/
const ACTION = /^[a-z][a-z0-9_-]{0,31}$/
const REASON = /^[A-Z][A-Z0-9_]{1,47}$/
const IP = /^[0-9a-fA-F:.]{2,45}$/
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/

/**
 * Reads the event filters from a query string; resolves `{ filter }` or `{ error }` (a
 * message naming the bad parameter). `hashUser(email)` turns a `user` given as an e-mail
 * address into the user hash.
 * @param {Record<string, unknown>} query
 * @param {(email: string) => string} hashUser
 */
export function parseFilter(query, hashUser) {
  const filter = {}
  const one = (name) => {
    const v = query[name]
    if (v === undefined || v === '') return undefined
    if (typeof v !== 'string') throw new Error(`${name}: give it once`)
    return v
  }
  try {
    const limit = one('limit')
    filter.limit = limit === undefined ? 50 : Number(limit)
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > 1000) throw new Error('limit must be an integer 1–1000')
    for (const name of ['before', 'from', 'to']) {
      const v = one(name)
      if (v === undefined) continue
      if (!/^\d{1,16}$/.test(v)) throw new Error(`${name} must be a Unix time in ms`)
      filter[name] = Number(v)
    }
    if (filter.before !== undefined && !(filter.before >= 0)) throw new Error('before must be a Unix time in ms')
    for (const name of ['decision', 'wouldBe']) {
      const v = one(name)
      if (v === undefined) continue
      if (!DECISIONS.includes(v)) throw new Error(`${name} must be allow, challenge or deny`)
      filter[name] = v
    }
    const label = one('label')
    if (label !== undefined) {
      if (!LABELS.includes(label)) throw new Error('label must be fraud, legit, none or any')
      filter.label = label
    }
    const checks = { action: ACTION, reason: REASON, device: ID, ip: IP }
    for (const [name, pattern] of Object.entries(checks)) {
      const v = one(name)
      if (v === undefined) continue
      if (!pattern.test(v)) throw new Error(`${name} is not valid`)
      filter[name] = v
    }
    const user = one('user')
    if (user !== undefined) {
      if (EMAIL.test(user)) filter.user = hashUser(user.trim().toLowerCase())
      else if (ID.test(user)) filter.user = user
      else throw new Error('user must be a user hash or an e-mail address')
    }
  } catch (error) {
    return { error: error.message }
  }
  return { filter }
}

/** Whether an event passes a filter (time bounds are handled by the scan). */
export function matches(e, f) {
  if (f.decision !== undefined && e.decision !== f.decision) return false
  if (f.wouldBe !== undefined && (e.wouldBe ?? e.decision) !== f.wouldBe) return false
  if (f.action !== undefined && e.action !== f.action) return false
  if (f.device !== undefined && e.deviceId !== f.device) return false
  if (f.user !== undefined && e.userHash !== f.user) return false
  if (f.ip !== undefined && e.ip !== f.ip) return false
  if (f.reason !== undefined && !e.reasons.some((r) => r.code === f.reason) && !(e.monitored ?? []).some((r) => r.code === f.reason))
    return false
  if (f.label === 'none' && e.label) return false
  if (f.label === 'any' && !e.label) return false
  if ((f.label === 'fraud' || f.label === 'legit') && e.label?.label !== f.label) return false
  return true
}

/** The store query for a console filter. */
function storeQuery(f) {
  const q = {}
  for (const name of ['from', 'to', 'before', 'decision', 'wouldBe', 'action', 'reason', 'ip', 'label'])
    if (f[name] !== undefined) q[name] = f[name]
  if (f.device !== undefined) q.deviceId = f.device
  if (f.user !== undefined) q.userHash = f.user
  return q
}

/** Most events one `store.queryEvents` call returns (`MAX_QUERY_LIMIT` of @kenchi/server). */
const QUERY_PAGE = 1000

/**
 * Newest-first events matching `filter` through `store.queryEvents`: indexed pages of at
 * most 1000, each followed by the rest of its last millisecond (so the next page, `before`
 * that millisecond, skips nothing), and at the end a look for one older match to tell
 * whether there is a next page.
 */
async function queryPage(store, filter) {
  const limit = filter.limit ?? 50
  const q = storeQuery(filter)
  const events = []
  const seen = new Set()
  const add = (page) => {
    for (const e of page) if (!seen.has(e.id)) (seen.add(e.id), events.push(e))
  }
  let before = q.before
  for (;;) {
    const want = Math.min(QUERY_PAGE, limit - events.length)
    const page = await store.queryEvents({ ...q, before, limit: want })
    add(page)
    if (page.length < want) return { events, next: null, scanned: events.length, truncated: false }
    before = page.at(-1).at
    add(await store.queryEvents({ ...q, from: before, to: before, before: undefined, limit: QUERY_PAGE }))
    if (events.length >= limit) {
      const older = await store.queryEvents({ ...q, before, limit: 1 })
      return { events, next: older.length > 0 ? before : null, scanned: events.length, truncated: false }
    }
  }
}

/**
 * Newest-first events matching `filter`: through `store.queryEvents` when the store has it,
 * else by scanning, reading at most `maxScan` events. Resolves
 * `{ events, next, scanned, truncated }`: `next` is the `before` for the following page
 * (`null` when nothing older is left), `truncated` says the scan stopped at its budget
 * before reaching the oldest event. A page holds every match of its last millisecond, so
 * it can be a little longer than `limit` but never skips an event at a page boundary.
 * @param {import('@kenchi/server').Store} store
 */
export async function scanEvents(store, filter, { maxScan = MAX_SCAN } = {}) {
  if (typeof store.queryEvents === 'function') return queryPage(store, filter)
  const limit = filter.limit ?? 50
  let cursor = filter.before
  if (filter.to !== undefined && (cursor === undefined || filter.to + 1 < cursor)) cursor = filter.to + 1
  const events = []
  let scanned = 0
  for (;;) {
    const size = Math.min(BATCH, Math.max(1, maxScan - scanned))
    const batch = await store.listEvents({ limit: size, ...(cursor !== undefined ? { before: cursor } : {}) })
    const full = batch.length === size
    // A full batch may have cut a millisecond in two: keep its last millisecond for the next batch.
    let usable = batch
    let nextCursor
    if (full) {
      const lastAt = batch.at(-1).at
      usable = batch.filter((e) => e.at > lastAt)
      if (usable.length === 0) usable = batch // one millisecond fills the batch: accept the cut
      nextCursor = usable === batch ? lastAt : lastAt + 1
    }
    for (const e of usable) {
      if (events.length >= limit && e.at !== events.at(-1).at) return { events, next: events.at(-1).at, scanned, truncated: false }
      if (filter.from !== undefined && e.at < filter.from) return { events, next: null, scanned, truncated: false }
      scanned++
      if (matches(e, filter)) events.push(e)
    }
    if (!full) return { events, next: null, scanned, truncated: false }
    cursor = nextCursor
    if (scanned >= maxScan) {
      if (events.length >= limit) return { events, next: events.at(-1).at, scanned, truncated: false }
      // Out of budget: say so only if older events are left.
      const older = await store.listEvents({ limit: 1, before: cursor })
      const left = older.length > 0 && (filter.from === undefined || older[0].at >= filter.from)
      return { events, next: left ? cursor : null, scanned, truncated: left }
    }
  }
}

/** Most of the latest events `eventStats` reads for scores, reasons and actions when the store counts decisions itself. */
export const STATS_SAMPLE = 1000

/** Window lengths `GET /admin/api/stats` accepts, and the bucket each uses. */
export const WINDOWS = {
  '15m': { ms: 15 * 60_000, bucketMs: 60_000 },
  '1h': { ms: 3600_000, bucketMs: 60_000 },
  '6h': { ms: 6 * 3600_000, bucketMs: 5 * 60_000 },
  '24h': { ms: 24 * 3600_000, bucketMs: 3600_000 },
  '7d': { ms: 7 * 24 * 3600_000, bucketMs: 6 * 3600_000 },
  '30d': { ms: 30 * 24 * 3600_000, bucketMs: 24 * 3600_000 },
}

/**
 * Aggregates the events of the last `window`: decisions per time bucket and their totals
 * (every event, from `store.countEvents` when the store has it), and from the latest
 * `maxEvents` events (at most `STATS_SAMPLE` with `countEvents`) a score histogram (ten bins of 10 points, 100 in the last), the most
 * frequent reason codes, actions, monitor-mode and label totals. `truncated` says these
 * cover only the latest `maxEvents` events (with `countEvents`, `counted` says the
 * decisions cover them all).
 */
export async function eventStats(store, window, { now = Date.now(), maxEvents = MAX_SCAN } = {}) {
  const { ms, bucketMs } = WINDOWS[window]
  const from = now - ms
  const counted = typeof store.countEvents === 'function'
  // With counts from the store, scores and reasons come from a sample of the latest events.
  if (counted) maxEvents = Math.min(maxEvents, STATS_SAMPLE)
  const [{ events, truncated, next }, counts] = await Promise.all([
    scanEvents(store, { from, to: now, limit: maxEvents }, { maxScan: maxEvents }),
    counted ? store.countEvents({ from, to: now, bucketMs }) : undefined,
  ])
  const first = Math.floor(from / bucketMs) * bucketMs
  const buckets = []
  for (let at = first; at <= now; at += bucketMs) buckets.push({ at, allow: 0, challenge: 0, deny: 0 })
  const scores = Array.from({ length: 10 }, (_, i) => ({ from: i * 10, to: i === 9 ? 100 : i * 10 + 9, count: 0 }))
  const reasons = new Map()
  const totals = { events: 0, allow: 0, challenge: 0, deny: 0, monitored: 0, labelled: { fraud: 0, legit: 0 } }
  const actions = {}
  for (const e of events) {
    if (e.at > now) continue
    const b = counts ? undefined : buckets[Math.floor((e.at - first) / bucketMs)]
    if (b && DECISIONS.includes(e.decision)) b[e.decision]++
    const score = Math.max(0, Math.min(100, Number(e.score) || 0))
    scores[Math.min(9, Math.floor(score / 10))].count++
    for (const code of new Set(e.reasons.map((r) => r.code))) reasons.set(code, (reasons.get(code) ?? 0) + 1)
    if (!counts) {
      totals.events++
      if (DECISIONS.includes(e.decision)) totals[e.decision]++
    }
    if (e.mode === 'monitor') totals.monitored++
    if (e.label) totals.labelled[e.label.label] = (totals.labelled[e.label.label] ?? 0) + 1
    actions[e.action] = (actions[e.action] ?? 0) + 1
  }
  if (counts) {
    // Every event of the window's buckets (whole buckets: the first may start before `from`).
    for (const [i, c] of counts.entries()) {
      if (!buckets[i]) break
      for (const d of DECISIONS) {
        buckets[i][d] = c[d]
        totals[d] += c[d]
        totals.events += c[d]
      }
    }
  }
  const top = [...reasons.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([code, count]) => ({ code, label: reasonLabel(code), count }))
  return {
    window,
    from,
    to: now,
    bucketMs,
    buckets,
    scores,
    reasons: top,
    totals,
    actions,
    truncated: truncated || next !== null,
    counted,
    maxEvents,
  }
}

const isDevice = (id) => typeof id === 'string' && !/^(sid|f|c|fp):/.test(id)

/**
 * The links around a device or a user, as graph nodes and edges: users–devices from the
 * link table, devices (and users without a device) to the IPs of their recent events,
 * and devices that share a stored browser id (the same browser with its key cleared).
 * At most `maxNodes` nodes; `truncated` says some were left out.
 * @param {import('@kenchi/server').Store} store
 * @param {{ device?: string, user?: string }} centre
 * @param {(hash: string) => string | undefined} userName
 */
export async function linkGraph(store, centre, userName, { maxNodes = 60, maxScan = 2000 } = {}) {
  const nodes = new Map()
  const edges = new Map()
  let truncated = false
  const node = (id, data) => {
    if (nodes.has(id)) return true
    if (nodes.size >= maxNodes) return ((truncated = true), false)
    nodes.set(id, { id, ...data })
    return true
  }
  const edge = (a, b, data) => {
    if (!nodes.has(a) || !nodes.has(b)) return
    const id = [a, b].sort().join('|') + `|${data.kind}`
    const old = edges.get(id)
    if (old) old.count = (old.count ?? 1) + (data.count ?? 1)
    else edges.set(id, { id, source: a, target: b, ...data })
  }
  const addDevice = async (id, centreNode = false) => {
    if (nodes.has(`d:${id}`)) return true
    if (nodes.size >= maxNodes) return ((truncated = true), false)
    const record = await store.getDevice(id)
    return node(`d:${id}`, {
      kind: 'device',
      key: id,
      label: `device ${id.slice(0, 8)}`,
      status: record?.status ?? 'unknown',
      centre: centreNode,
    })
  }
  const addUser = (hash, centreNode = false) =>
    node(`u:${hash}`, { kind: 'user', key: hash, label: userName(hash) ?? `user ${hash.slice(0, 8)}`, centre: centreNode })

  const devices = new Set()
  const users = new Set()
  if (centre.device) {
    await addDevice(centre.device, true)
    devices.add(centre.device)
    for (const link of await store.listDeviceUsers(centre.device, 20)) {
      if (!addUser(link.userHash)) break
      users.add(link.userHash)
      edge(`u:${link.userHash}`, `d:${centre.device}`, { kind: 'uses', trusted: link.trusted })
    }
    for (const hash of [...users]) {
      for (const link of await store.listUserDevices(hash, 10)) {
        if (!isDevice(link.deviceId) || !(await addDevice(link.deviceId))) continue
        devices.add(link.deviceId)
        edge(`u:${hash}`, `d:${link.deviceId}`, { kind: 'uses', trusted: link.trusted })
      }
    }
  } else if (centre.user) {
    addUser(centre.user, true)
    users.add(centre.user)
    for (const link of await store.listUserDevices(centre.user, 20)) {
      if (!isDevice(link.deviceId) || !(await addDevice(link.deviceId))) continue
      devices.add(link.deviceId)
      edge(`u:${centre.user}`, `d:${link.deviceId}`, { kind: 'uses', trusted: link.trusted })
    }
    for (const id of [...devices]) {
      for (const link of await store.listDeviceUsers(id, 10)) {
        if (!addUser(link.userHash)) continue
        users.add(link.userHash)
        edge(`u:${link.userHash}`, `d:${id}`, { kind: 'uses', trusted: link.trusted })
      }
    }
  }
  // Devices that carry the same stored browser id (cookie / localStorage / IndexedDB).
  for (const id of [...devices]) {
    for (const link of await store.listUserDevices(id, 5)) {
      if (!link.deviceId.startsWith('sid:')) continue
      for (const other of await store.listDeviceUsers(link.deviceId, 5)) {
        if (other.userHash === id || !isDevice(other.userHash) || !(await addDevice(other.userHash))) continue
        edge(`d:${id}`, `d:${other.userHash}`, { kind: 'same-browser' })
      }
    }
  }
  // IPs from recent events of these devices and users.
  const { events } = await scanEvents(store, { limit: maxScan }, { maxScan })
  for (const e of events) {
    if (e.ip === undefined) continue
    const from =
      e.deviceId !== undefined && devices.has(e.deviceId)
        ? `d:${e.deviceId}`
        : e.userHash !== undefined && users.has(e.userHash) && e.deviceId === undefined
          ? `u:${e.userHash}`
          : undefined
    if (from === undefined || !node(`i:${e.ip}`, { kind: 'ip', key: e.ip, label: e.ip })) continue
    edge(from, `i:${e.ip}`, { kind: 'from', count: 1 })
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], truncated }
}

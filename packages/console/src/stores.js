// Where the console keeps its users and its audit log: in memory (lost at restart; tests,
// demos) or in a SQLite file (better-sqlite3, an optional peer dependency loaded only here).
// The audit log keeps every entry for `auditDays` (365 by default) and at most
// `auditMax` entries (100 000 by default); older entries are dropped when new ones are added.

const DAY = 86_400_000

/** Users and the audit log in memory. */
export function memoryConsoleStore({ auditDays = 365, auditMax = 100_000, now = Date.now } = {}) {
  const users = new Map()
  /** @type {any[]} */
  let audit = []
  let seq = 0
  return {
    async listUsers() {
      return [...users.values()].map((u) => ({ ...u }))
    },
    async getUser(name) {
      const u = users.get(name)
      return u && { ...u }
    },
    async putUser(user) {
      users.set(user.name, { ...user })
    },
    async deleteUser(name) {
      users.delete(name)
    },
    async appendAudit(entry) {
      const stored = structuredClone({ ...entry, id: ++seq })
      audit.push(stored)
      const cutoff = now() - auditDays * DAY
      if (audit.length > auditMax || (audit[0] && audit[0].at < cutoff)) audit = audit.filter((e) => e.at >= cutoff).slice(-auditMax)
      return stored
    },
    async listAudit({ limit = 100, before, action, target, site } = {}) {
      const out = []
      for (let i = audit.length - 1; i >= 0 && out.length < limit; i--) {
        const e = audit[i]
        if (
          (before === undefined || e.id < before) &&
          (action === undefined || e.action === action) &&
          (target === undefined || e.target === target) &&
          (site === undefined || e.site === site)
        ) {
          out.push(structuredClone(e))
        }
      }
      return out
    },
    async close() {},
  }
}

/**
 * Users and the audit log in a SQLite file (tables `console_users`, `console_audit`), with
 * better-sqlite3. Opens (and creates) `path`.
 * @param {string} path
 */
export async function sqliteConsoleStore(path, { auditDays = 365, auditMax = 100_000, now = Date.now } = {}) {
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(`CREATE TABLE IF NOT EXISTS console_users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS console_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, site TEXT, target TEXT, before TEXT, after TEXT);`)
  const toUser = (r) => r && { name: r.name, role: r.role, passwordHash: r.password_hash, created: r.created, updated: r.updated }
  const parse = (s) => (s === null ? null : JSON.parse(s))
  const toEntry = (r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    site: r.site,
    target: r.target,
    before: parse(r.before),
    after: parse(r.after),
  })
  const q = {
    list: db.prepare('SELECT * FROM console_users ORDER BY name'),
    get: db.prepare('SELECT * FROM console_users WHERE name = ?'),
    put: db.prepare(
      'INSERT INTO console_users (name, role, password_hash, created, updated) VALUES (@name, @role, @passwordHash, @created, @updated) ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, updated = excluded.updated',
    ),
    del: db.prepare('DELETE FROM console_users WHERE name = ?'),
    add: db.prepare('INSERT INTO console_audit (at, actor, action, site, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    prune: db.prepare('DELETE FROM console_audit WHERE at < ? OR id <= (SELECT MAX(id) FROM console_audit) - ?'),
    page: db.prepare(
      'SELECT * FROM console_audit WHERE id < @before AND (@action IS NULL OR action = @action) AND (@target IS NULL OR target = @target) AND (@site IS NULL OR site = @site) ORDER BY id DESC LIMIT @limit',
    ),
  }
  return {
    async listUsers() {
      return q.list.all().map(toUser)
    },
    async getUser(name) {
      return toUser(q.get.get(name))
    },
    async putUser(user) {
      const t = now()
      q.put.run({
        name: user.name,
        role: user.role,
        passwordHash: user.passwordHash,
        created: user.created ?? t,
        updated: user.updated ?? t,
      })
    },
    async deleteUser(name) {
      q.del.run(name)
    },
    async appendAudit(entry) {
      const json = (v) => (v === undefined ? null : JSON.stringify(v))
      const { lastInsertRowid } = q.add.run(
        entry.at,
        entry.actor,
        entry.action,
        entry.site ?? null,
        entry.target ?? null,
        json(entry.before),
        json(entry.after),
      )
      q.prune.run(now() - auditDays * DAY, auditMax)
      return { ...entry, id: Number(lastInsertRowid) }
    },
    async listAudit({ limit = 100, before, action, target, site } = {}) {
      return q.page
        .all({ before: before ?? Number.MAX_SAFE_INTEGER, limit, action: action ?? null, target: target ?? null, site: site ?? null })
        .map(toEntry)
    },
    async close() {
      db.close()
    },
  }
}

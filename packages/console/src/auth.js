// Console users, passwords, sessions, CSRF tokens and the login rate limit. Everything here
// uses node:crypto only: scrypt password hashes, random session ids and CSRF tokens, and
// constant-time comparisons.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'

/** The three roles, weakest first: each can do everything the ones before it can. */
export const ROLES = ['viewer', 'analyst', 'admin']
export const roleAtLeast = (role, wanted) => ROLES.indexOf(role) >= ROLES.indexOf(wanted) && ROLES.includes(role)

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 }
const scrypt = (password, salt, { N, r, p, keylen }) =>
  new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, { N, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  )

/**
 * Hashes a console password with scrypt and a random 16-byte salt:
 * `scrypt$N$r$p$<salt base64url>$<hash base64url>`. Store this string, never the password.
 * @param {string} password
 * @returns {Promise<string>}
 */
export async function hashPassword(password) {
  if (typeof password !== 'string' || password.length < 8 || password.length > 1024)
    throw new TypeError('a password has 8 to 1024 characters')
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, SCRYPT)
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

const HASH = /^scrypt\$(\d{1,7})\$(\d{1,2})\$(\d{1,2})\$([\w-]{16,64})\$([\w-]{32,128})$/

/** True when `hash` is a string `hashPassword()` could have produced. */
export const isPasswordHash = (hash) => typeof hash === 'string' && HASH.test(hash)

/**
 * Checks `password` against a `hashPassword()` hash in constant time. False (never a throw)
 * for a malformed hash or password.
 * @param {string} password
 * @param {string} hash
 */
export async function verifyPassword(password, hash) {
  const m = typeof hash === 'string' ? HASH.exec(hash) : null
  if (!m || typeof password !== 'string' || password.length > 1024) return false
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (N < 1024 || N > 1048576 || (N & (N - 1)) !== 0 || r < 1 || p < 1) return false
  const wanted = Buffer.from(m[5], 'base64url')
  const key = await scrypt(password, Buffer.from(m[4], 'base64url'), { N, r, p, keylen: wanted.length })
  return timingSafeEqual(key, wanted)
}

/** A dummy hash to compare against when the user name is unknown, so timing does not tell names apart. */
let dummy
export const dummyHash = async () => (dummy ??= await hashPassword(randomBytes(12).toString('hex')))

/** sha256 of a string, for constant-time comparison of tokens of any length. */
export const digest = (text) => createHash('sha256').update(String(text)).digest()
export const sameToken = (a, b) => typeof a === 'string' && typeof b === 'string' && timingSafeEqual(digest(a), digest(b))

/**
 * Sessions: random 32-byte ids kept in memory, at most `max` (the oldest is dropped first),
 * each ending after `idleMs` without a request or `absoluteMs` after the login. Only the
 * sha256 of an id is kept, so a memory dump does not hand out live cookies.
 */
export function createSessions({ idleMs = 30 * 60_000, absoluteMs = 12 * 3_600_000, max = 1000, now = Date.now } = {}) {
  /** @type {Map<string, { user: string, csrf: string, created: number, seen: number }>} */
  const sessions = new Map()
  const key = (id) => digest(id).toString('base64url')
  return {
    idleMs,
    absoluteMs,
    create(user) {
      const id = randomBytes(32).toString('base64url')
      const t = now()
      sessions.set(key(id), { user, csrf: randomBytes(24).toString('base64url'), created: t, seen: t })
      while (sessions.size > max) sessions.delete(sessions.keys().next().value)
      return { id, ...sessions.get(key(id)) }
    },
    get(id) {
      if (typeof id !== 'string' || id.length > 128) return undefined
      const k = key(id)
      const s = sessions.get(k)
      if (!s) return undefined
      const t = now()
      if (t - s.seen > idleMs || t - s.created > absoluteMs) {
        sessions.delete(k)
        return undefined
      }
      s.seen = t
      // Most recently used last, so the bound drops the least recently used.
      sessions.delete(k)
      sessions.set(k, s)
      return s
    },
    destroy(id) {
      if (typeof id === 'string') sessions.delete(key(id))
    },
    /** Ends every session of `user` (after a password change, a role change or a removal). */
    endUser(user) {
      for (const [k, s] of sessions) if (s.user === user) sessions.delete(k)
    },
    get size() {
      return sessions.size
    },
  }
}

/**
 * Login rate limit: at most `max` failed logins per user name and `maxPerAddress` per client
 * address (keys `user:…` and `ip:…`) within `windowMs`; further attempts are refused (even
 * with the right password) until the window has passed. At most 10 000 keys are tracked.
 */
export function createLoginLimiter({ max = 5, maxPerAddress = 20, windowMs = 15 * 60_000, now = Date.now } = {}) {
  /** @type {Map<string, number[]>} */
  const failures = new Map()
  const recent = (k) => (failures.get(k) ?? []).filter((t) => now() - t < windowMs)
  return {
    /** Seconds to wait before trying again, or 0. */
    blocked(keys) {
      let wait = 0
      for (const k of keys) {
        const list = recent(k)
        if (list.length >= (k.startsWith('ip:') ? maxPerAddress : max))
          wait = Math.max(wait, Math.ceil((list[0] + windowMs - now()) / 1000))
      }
      return wait
    },
    fail(keys) {
      for (const k of keys) {
        const list = [...recent(k), now()]
        // Re-inserted, so the bound below drops the keys idle longest.
        failures.delete(k)
        failures.set(k, list)
      }
      while (failures.size > 10_000) failures.delete(failures.keys().next().value)
    },
    succeed(keys) {
      for (const k of keys) if (!k.startsWith('ip:')) failures.delete(k)
    },
  }
}

/** Parses a Cookie header into a plain object (first value wins). */
export function parseCookies(header) {
  const out = Object.create(null)
  if (typeof header !== 'string') return out
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    const name = part.slice(0, i).trim()
    if (name && !(name in out)) out[name] = part.slice(i + 1).trim()
  }
  return out
}

// Demo accounts: scrypt password hashes in demo/.data/accounts.json (written atomically),
// seeded on first start with the accounts printed on the pages.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'
import { readFileSync, writeFileSync, renameSync } from 'node:fs'
import { promisify } from 'node:util'

const scrypt = promisify(scryptCb)

/** Accounts created on first start; printed on the pages and at start-up. */
export const SEEDED_ACCOUNTS = [
  { email: 'hanako@example.com', password: 'sakura-2026', name: 'Hanako' },
  { email: 'taro@example.com', password: 'fuji-san-3776', name: 'Taro' },
]

export const DUMMY = { salt: 'AAAAAAAAAAAAAAAAAAAAAA', hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }
/** The key of an account: the trimmed, lower-cased address; '' for anything that is not a string. */
export const normalEmail = (value) => (typeof value === 'string' ? value.trim().toLowerCase().slice(0, 254) : '')

export async function hashPassword(password) {
  const salt = randomBytes(16)
  const hash = await scrypt(password, salt, 32)
  return { salt: salt.toString('base64url'), hash: hash.toString('base64url') }
}

export async function checkPassword(account, password) {
  const hash = await scrypt(password, Buffer.from(account.salt, 'base64url'), 32)
  const wanted = Buffer.from(account.hash, 'base64url')
  return wanted.length === hash.length && timingSafeEqual(hash, wanted) && account !== DUMMY
}

export async function loadAccounts(path) {
  /** @type {Map<string, { email: string, name: string, salt: string, hash: string, postcode?: string, city?: string, address?: string }>} */
  const accounts = new Map()
  try {
    for (const a of JSON.parse(readFileSync(path, 'utf8'))) accounts.set(a.email, a)
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  let added = false
  for (const seed of SEEDED_ACCOUNTS) {
    if (accounts.has(seed.email)) continue
    accounts.set(seed.email, { email: seed.email, name: seed.name, ...(await hashPassword(seed.password)) })
    added = true
  }
  if (added) saveAccounts(path, accounts)
  return accounts
}

export function saveAccounts(path, accounts) {
  writeFileSync(`${path}.tmp`, JSON.stringify([...accounts.values()], null, 1), { mode: 0o600 })
  renameSync(`${path}.tmp`, path)
}

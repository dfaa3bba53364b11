// The demo's secrets, generated on first start into demo/.data/secrets.json (mode 0600):
// the token key, the identity hash secret, the step-up secret, the confirmation-link secret
// and the admin password. A file from an older demo gets the secrets it lacks added.
import { randomBytes } from 'node:crypto'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'

const MAKE = {
  key: () => randomBytes(32).toString('base64'),
  hashSecret: () => randomBytes(32).toString('base64'),
  stepUpSecret: () => randomBytes(32).toString('base64'),
  confirmSecret: () => randomBytes(32).toString('base64'),
  adminPassword: () => randomBytes(12).toString('base64url'),
}

export function loadSecrets(path) {
  let secrets
  try {
    secrets = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  if (secrets) {
    const missing = Object.keys(MAKE).filter((name) => typeof secrets[name] !== 'string')
    if (missing.length === 0) return secrets
    for (const name of missing) secrets[name] = MAKE[name]()
    writeFileSync(`${path}.tmp`, JSON.stringify(secrets, null, 1), { mode: 0o600 })
    renameSync(`${path}.tmp`, path)
    return secrets
  }
  secrets = Object.fromEntries(Object.entries(MAKE).map(([name, make]) => [name, make()]))
  writeFileSync(path, JSON.stringify(secrets, null, 1), { mode: 0o600, flag: 'wx' })
  return secrets
}

// The demo's secrets, generated on first start into demo/.data/secrets.json (mode 0600):
// the token key, the identity hash secret, the step-up secret and the admin password.
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'

export function loadSecrets(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  const secrets = {
    key: randomBytes(32).toString('base64'),
    hashSecret: randomBytes(32).toString('base64'),
    stepUpSecret: randomBytes(32).toString('base64'),
    adminPassword: randomBytes(12).toString('base64url'),
  }
  writeFileSync(path, JSON.stringify(secrets, null, 1), { mode: 0o600, flag: 'wx' })
  return secrets
}


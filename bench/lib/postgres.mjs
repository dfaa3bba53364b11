// A throwaway PostgreSQL for benchmarks (the same recipe as test/support/postgres.ts): a
// temporary cluster in a temp dir on a free 127.0.0.1 port, run as the `postgres` user when
// the benchmark runs as root. Unlike the tests' cluster it keeps PostgreSQL's durability
// defaults (fsync and synchronous_commit on), so write figures include real commits.
import { execFile, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './env.mjs'

const run = promisify(execFile)

function bin() {
  if (process.env.PG_BIN) return process.env.PG_BIN
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : []
  if (versions.length === 0) throw new Error('PostgreSQL not found: apt-get install postgresql (or set PG_BIN)')
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin')
}

/** Starts a cluster; resolves `{ url, version, psql(sql), copy(sql), stop() }`. */
export async function startPostgres(settings = []) {
  const dir = bin()
  const asRoot = process.getuid?.() === 0
  const as = (cmd, args) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(dir, cmd), ...args]) : run(join(dir, cmd), args))
  const home = mkdtempSync(join(tmpdir(), 'kenchi-bench-pg-'))
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim())
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim())
    chownSync(home, uid, gid)
  }
  const data = join(home, 'data')
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  const options = [`-p ${port}`, `-k ${home}`, '-c listen_addresses=127.0.0.1', ...settings.map((s) => `-c ${s}`)].join(' ')
  await as('pg_ctl', ['-D', data, '-o', options, '-l', join(home, 'log'), '-w', '-t', '60', 'start'])
  const args = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-XAtq', '-v', 'ON_ERROR_STOP=1']
  const psql = async (sql) => (await run(join(dir, 'psql'), [...args, '-c', sql], { maxBuffer: 1 << 24 })).stdout
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version: (await psql('SHOW server_version')).trim(),
    psql,
    /** A `COPY … FROM STDIN` through psql: resolves the child's stdin to write to and a promise of its exit. */
    copy(sql) {
      const child = spawn(join(dir, 'psql'), [...args, '-c', sql], { stdio: ['pipe', 'ignore', 'inherit'] })
      const done = new Promise((resolve, reject) =>
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql COPY exited ${code}`)))),
      )
      return { stdin: child.stdin, done }
    },
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      rmSync(home, { recursive: true, force: true })
    },
  }
}

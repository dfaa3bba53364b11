// A real, throwaway PostgreSQL for tests: a temporary cluster (initdb) in a temp dir, on a free
// 127.0.0.1 port, trust authentication, fsync off. The server runs as its own non-root user:
// when the tests run as root it is started through `runuser -u postgres` (the system user
// Debian's postgresql package creates). Call `stop()` in afterAll: it stops the server and
// removes the directory.
import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './redis.js'

const run = promisify(execFile)

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, the maintenance database. */
  url: string
  port: number
  /** Creates an empty database and resolves its connection string. */
  createDatabase(name: string): Promise<string>
  /** Drops a database, closing its connections. */
  dropDatabase(name: string): Promise<void>
  /** Runs SQL with psql against `database` (default `postgres`) and resolves its output. */
  psql(sql: string, database?: string): Promise<string>
  /** Stops the server and removes its files. Safe to call twice. */
  stop(): Promise<void>
}

/** The directory with initdb, pg_ctl and psql: `$PG_BIN`, else the newest /usr/lib/postgresql/<ver>/bin. */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : []
  if (versions.length === 0) throw new Error('PostgreSQL not found: apt-get install postgresql (or set PG_BIN)')
  versions.sort((a, b) => Number(b) - Number(a))
  return join(root, versions[0]!, 'bin')
}

/** Starts a temporary PostgreSQL cluster and resolves once it accepts connections. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin()
  const asRoot = process.getuid?.() === 0
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args)
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-pg-'))
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()))
  }
  const data = join(dir, 'data')
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
  await as('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'])
  let stopped = false
  const psql = async (sql: string, database = 'postgres') =>
    (
      await run(join(bin, 'psql'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        database,
        '-XAtq',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
      ])
    ).stdout
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async createDatabase(name) {
      await psql(`CREATE DATABASE "${name}"`)
      return `postgres://postgres@127.0.0.1:${port}/${name}`
    },
    async dropDatabase(name) {
      await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    },
    psql,
    async stop() {
      if (stopped) return
      stopped = true
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

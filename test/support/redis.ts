// A real, throwaway redis-server for tests: on 127.0.0.1, a free port, no persistence.
// `stop()` kills it (an outage), `restart()` starts a fresh one on the same port (recovery),
// `pause()`/`resume()` freeze it with SIGSTOP/SIGCONT (a hung server: connections stay open
// but nothing answers). Call `stop()` in afterAll.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRedis {
  url: string
  port: number
  /** Kills the server and waits until it has exited. Safe to call twice. */
  stop(): Promise<void>
  /** Starts a new, empty server on the same port (after `stop()`, or stopping it first). */
  restart(): Promise<void>
  /** Freezes the server (SIGSTOP): it keeps its connections but answers nothing. */
  pause(): void
  /** Unfreezes it (SIGCONT). */
  resume(): void
}

const SERVER = process.env.REDIS_SERVER ?? 'redis-server'

/** Starts redis-server on a free 127.0.0.1 port and resolves once it accepts connections. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined = await launch(port)

  async function stop(): Promise<void> {
    const current = child
    child = undefined
    if (!current || current.exitCode !== null || current.signalCode !== null) return
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()))
    current.kill('SIGCONT')
    current.kill('SIGKILL')
    await exited
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop()
      child = await launch(port)
    },
    pause() {
      child?.kill('SIGSTOP')
    },
    resume() {
      child?.kill('SIGCONT')
    },
  }
}

export interface TestRedisCluster {
  /** The nodes' ports on 127.0.0.1, e.g. for `new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })))`. */
  ports: number[]
  /** Kills every node and removes their files. */
  stop(): Promise<void>
}

/**
 * Starts a three-master Redis Cluster (no replicas) on free 127.0.0.1 ports and resolves once
 * every slot is served. Needs redis-cli for `--cluster create`.
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-cluster-'))
  const ports: number[] = []
  while (ports.length < 3) {
    // The cluster bus listens on port + 10 000: both must be free.
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    if (!ports.includes(port) && (await isFree(port)) && (await isFree(port + 10_000))) ports.push(port)
  }
  const nodes: ChildProcess[] = []
  const stop = async () => {
    await Promise.all(
      nodes.map((node) => {
        if (node.exitCode !== null || node.signalCode !== null) return Promise.resolve()
        const exited = new Promise<void>((resolve) => node.once('exit', () => resolve()))
        node.kill('SIGKILL')
        return exited
      }),
    )
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const port of ports) {
      nodes.push(await launch(port, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir]))
    }
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.env.REDIS_CLI ?? 'redis-cli',
        ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { timeout: 20_000 },
        (error, _stdout, stderr) => (error ? reject(new Error(`cluster create failed: ${error.message} ${stderr}`)) : resolve()),
      ),
    )
    const deadline = Date.now() + 20_000
    for (const port of ports) {
      while (!(await command(port, 'CLUSTER INFO')).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error(`cluster node ${port} never reached cluster_state:ok`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { ports, stop }
}

async function launch(port: number, extra: string[] = []): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...extra,
  ]
  const child = spawn(SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${stderr}`)))
  })
  const deadline = Date.now() + 10_000
  for (;;) {
    const ready = await Promise.race([ping(port), failed])
    if (ready) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`redis-server did not start on port ${port}: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  failed.catch(() => {})
  return child
}

/** True when something on the port answers PING with PONG. */
async function ping(port: number): Promise<boolean> {
  return (await command(port, 'PING')).startsWith('+PONG')
}

/** Sends one inline command and resolves the first chunk of the reply ('' on any failure). */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setTimeout(500)
    socket.once('connect', () => socket.write(`${line}\r\n`))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString())
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve('')
    })
    socket.once('error', () => resolve(''))
  })
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

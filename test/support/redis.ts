// A real, throwaway redis-server for tests: on 127.0.0.1, a free port, no persistence.
// `stop()` kills it (an outage), `restart()` starts a fresh one on the same port (recovery),
// `pause()`/`resume()` freeze it with SIGSTOP/SIGCONT (a hung server: connections stay open
// but nothing answers). Call `stop()` in afterAll.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'

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

async function launch(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning']
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
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setTimeout(500)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(false))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

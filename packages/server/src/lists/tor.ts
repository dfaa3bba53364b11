import { readFile } from 'node:fs/promises'
import { KenchiError } from '../errors.js'
import { inBounds, optionChecks } from '../validate.js'
import { parseIp } from './ip.js'
import { createList, parseList, type KenchiList } from './list.js'

/** The published list of Tor exit addresses, one per line. */
export const TOR_BULK_EXIT_LIST_URL = 'https://check.torproject.org/torbulkexitlist'

export interface TorExitListOptions {
  /** A file path, or an `http:`/`https:` URL such as `TOR_BULK_EXIT_LIST_URL`. */
  source: string
  /** How often to fetch again, ms; `0` never. Default 30 minutes (the list changes hourly). Minimum 60 000 unless 0. */
  refreshMs?: number
  /** Time limit of one fetch, ms. Default 10 000. */
  timeoutMs?: number
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch
  /** Called when a refresh fails (the previous list stays in force). */
  onError?: (error: unknown) => void
}

/** An `ip` list of Tor exit nodes that refreshes itself. */
export interface TorExitList extends KenchiList {
  readonly source: string
  /** When the list last loaded successfully (Unix ms). */
  readonly updatedAt: number | undefined
  /** The error of the last failed refresh, cleared by a successful one. */
  readonly lastError: unknown
  /** Loads the source now. Resolves `true` when the list was replaced; on failure keeps the old list, records `lastError` and resolves `false`. */
  refresh(): Promise<boolean>
  /** Stops the refresh timer. */
  close(): void
}

const MAX_BYTES = 16 * 1024 * 1024

/**
 * Loads a Tor exit-node list (the format of the Tor Project's bulk exit list: one IP per
 * line; `#` comments and lines that are not addresses are skipped) from a file or a URL,
 * and reloads it every `refreshMs` on an unref'd timer. A failed refresh, or a source with
 * no address in it (an error page), keeps the previous list. The first load must succeed:
 * otherwise this rejects with `KenchiError` (`CONFIG_LIST`), and the app decides whether to
 * start without the Tor rule. Each process keeps its own copy and timer.
 */
export async function torExitList(options: TorExitListOptions): Promise<TorExitList> {
  const source = options?.source
  if (typeof source !== 'string' || source.length === 0)
    throw new KenchiError('CONFIG_LIST', 'torExitList: source (a file path or URL) is required')
  const check = optionChecks('CONFIG_LIST', 'torExitList')
  const refreshMs = options.refreshMs ?? 30 * 60_000
  if (refreshMs !== 0 && !inBounds(refreshMs, { min: 60_000 })) check.fail('refreshMs must be 0 or at least 60000')
  const timeoutMs = check.positiveNumber('timeoutMs', options.timeoutMs, 10_000)
  const isUrl = /^https?:\/\//i.test(source)
  const doFetch = options.fetch ?? globalThis.fetch

  async function read(): Promise<string[]> {
    let text: string
    if (isUrl) {
      const response = await doFetch(source, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/plain' } })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const body = await response.arrayBuffer()
      if (body.byteLength > MAX_BYTES) throw new Error('response too large')
      text = new TextDecoder().decode(body)
    } else {
      text = await readFile(source, 'utf8')
    }
    const entries = parseList(text).filter((line) => parseIp(line) !== undefined)
    if (entries.length === 0) throw new Error('no addresses in the source')
    return entries
  }

  const list = createList('ip')
  let updatedAt: number | undefined
  let lastError: unknown
  try {
    list.replace(await read())
    updatedAt = Date.now()
  } catch (error) {
    throw new KenchiError('CONFIG_LIST', `torExitList: cannot load ${source}: ${(error as Error).message}`, { cause: error })
  }

  let running: Promise<boolean> | undefined
  async function refresh(): Promise<boolean> {
    running ??= (async () => {
      try {
        list.replace(await read())
        updatedAt = Date.now()
        lastError = undefined
        return true
      } catch (error) {
        lastError = error
        options.onError?.(error)
        return false
      } finally {
        running = undefined
      }
    })()
    return running
  }

  const timer = refreshMs > 0 ? setInterval(() => void refresh(), refreshMs) : undefined
  timer?.unref?.()

  return {
    kind: 'ip',
    source,
    get size() {
      return list.size
    },
    get updatedAt() {
      return updatedAt
    },
    get lastError() {
      return lastError
    },
    add: (...entries) => list.add(...entries),
    remove: (...entries) => list.remove(...entries),
    replace: (entries) => list.replace(entries),
    has: (value) => list.has(value),
    match: (value) => list.match(value),
    entries: () => list.entries(),
    refresh,
    close: () => {
      if (timer !== undefined) clearInterval(timer)
    },
  }
}

import { createClient, type Kenchi, type KenchiOptions } from './client.js'
import { SIGNALS } from './signals/index.js'
import { setWorkerUrl } from './signals/worker.js'

let warnedWorker = false

/**
 * Creates the client: behaviour recording starts at once (unless you pass your own
 * recorder), signal collection when the page is idle (FingerprintJS is imported lazily
 * then, so your bundler can split it off), and the device key is loaded from IndexedDB.
 * Call it once per page, as early as you can. Nothing happens at import time.
 * `workerUrl`: where you serve `@kenchi/client/kenchi-worker.min.js`, for the `worker`
 * signal. Without it that signal is `unsupported` and the console says so once; pass
 * `workerUrl: false` to go without it on purpose.
 *
 * ```js
 * const kenchi = createKenchi({ endpoint: '/kenchi', workerUrl: '/kenchi/kenchi-worker.min.js' })
 * const token = await kenchi.token('checkout')
 * ```
 */
export function createKenchi(options: KenchiOptions & { workerUrl?: string | false } = {}): Kenchi {
  if (options.workerUrl) setWorkerUrl(options.workerUrl)
  else if (options.workerUrl === undefined && !warnedWorker) {
    warnedWorker = true
    console.warn(
      'Kenchi: no workerUrl, so the worker signal is not collected; serve @kenchi/client/kenchi-worker.min.js and pass its URL (or workerUrl: false)',
    )
  }
  return createClient({ ...options, signals: options.signals ?? SIGNALS })
}

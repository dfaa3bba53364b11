import { createClient, type Kenchi, type KenchiOptions } from './client.js'
import { SIGNALS } from './signals/index.js'
import { setWorkerUrl } from './signals/worker.js'

/**
 * Creates the client: behaviour recording starts at once (unless you pass your own
 * recorder), signal collection when the page is idle (FingerprintJS is imported lazily
 * then, so your bundler can split it off), and the device key is loaded from IndexedDB.
 * Call it once per page, as early as you can. Nothing happens at import time.
 * `workerUrl`: where you serve `@kenchi/client/kenchi-worker.min.js`, for the `worker`
 * signal (without it that signal is `unsupported`).
 *
 * ```js
 * const kenchi = createKenchi({ endpoint: '/kenchi' })
 * const token = await kenchi.token('checkout')
 * ```
 */
export function createKenchi(options: KenchiOptions & { workerUrl?: string } = {}): Kenchi {
  if (options.workerUrl) setWorkerUrl(options.workerUrl)
  return createClient({ ...options, signals: options.signals ?? SIGNALS })
}

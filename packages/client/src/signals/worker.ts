import { glInfo } from './gl.js'
import { UnsupportedError, type Signal } from './types.js'

let workerUrl: string | undefined

/**
 * Where `kenchi-worker.min.js` is served. The script tag sets it to the file next to
 * itself; with the npm build pass `workerUrl` to `createKenchi`. Unset: the `worker`
 * signal is `unsupported`.
 */
export function setWorkerUrl(url: string | undefined): void {
  workerUrl = url
}

const FIELDS = ['userAgent', 'platform', 'languages', 'cores', 'timezone', 'webgl'] as const

/** The page's values, in the order the worker posts its own. */
export function pageValues(): unknown[] {
  return [
    navigator.userAgent,
    navigator.platform ?? '',
    [...(navigator.languages ?? [])].join(','),
    navigator.hardwareConcurrency ?? -1,
    Intl.DateTimeFormat().resolvedOptions().timeZone ?? '',
    glInfo()?.[1] ?? '',
  ]
}

/** The worker's values that differ from the page's, by field name (at most 128 characters each). */
export function differences(page: readonly unknown[], worker: readonly unknown[]): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  FIELDS.forEach((name, i) => {
    const w = worker[i]
    // A worker without WebGL says nothing about the page's.
    if (name === 'webgl' && w === '') return
    if (w !== page[i]) out[name] = typeof w === 'number' ? w : String(w ?? '').slice(0, 128)
  })
  return out
}

/**
 * Worker consistency: runs `kenchi-worker.min.js` in a dedicated worker and compares its
 * user agent, platform, languages, core count, time zone and WebGL renderer with the
 * page's. Value: the worker's values that differ, by name (`{}` when all agree): stealth
 * plugins patch the page and usually forget workers. `unsupported` without a worker URL.
 */
export const worker: Signal = {
  name: 'worker',
  collect: () => {
    if (!workerUrl || typeof Worker !== 'function') throw new UnsupportedError()
    const url = workerUrl
    return new Promise((resolve, reject) => {
      const w = new Worker(url)
      const timer = setTimeout(() => (w.terminate(), reject(new Error('worker timeout'))), 1000)
      w.onmessage = (event: MessageEvent) => {
        clearTimeout(timer)
        w.terminate()
        resolve(differences(pageValues(), Array.isArray(event.data) ? event.data : []))
      }
      w.onerror = () => (clearTimeout(timer), w.terminate(), reject(new Error('worker failed')))
    })
  },
}

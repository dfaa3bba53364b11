// Entry of the <script> tag build (dist/kenchi.min.js). Unlike the ESM entry, it starts on
// load: it reads its options from its own tag's data attributes, starts the behaviour
// recorder at once, protects every form marked with data-kenchi-action, and loads the
// device signals and FingerprintJS (dist/kenchi-signals.min.js, from the same directory
// as this script) when the page is idle. The instance is exposed as window.Kenchi.
//
//   <script src="/kenchi/kenchi.min.js" data-endpoint="/kenchi" async></script>
import { createClient, type Kenchi } from './client.js'
import { attachForms } from './forms.js'
import { startRecording } from './recorder.js'
import { CORE_SIGNALS } from './signals/core.js'
import type { Signal } from './signals/types.js'

const recorder = startRecording()
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null
const data = script?.dataset ?? {}
const timeout = Number(data.timeout)
const LATE = 'kenchi-signals.min.js'

function loadLate(): Promise<readonly Signal[]> {
  return new Promise((resolve, reject) => {
    const tag = document.createElement('script')
    tag.src = new URL(LATE, script?.src || location.href).href
    tag.async = true
    if (script?.nonce) tag.nonce = script.nonce
    tag.onload = () => {
      const late = (window as unknown as { KenchiSignals?: { DEVICE_SIGNALS?: readonly Signal[] } }).KenchiSignals
      if (late?.DEVICE_SIGNALS) resolve(late.DEVICE_SIGNALS)
      else reject(new Error('signals not loaded'))
    }
    tag.onerror = () => reject(new Error('signals not loaded'))
    document.head.appendChild(tag)
  })
}

const instance: Kenchi = createClient({
  ...(data.endpoint ? { endpoint: data.endpoint } : {}),
  signals: CORE_SIGNALS,
  lateSignals: loadLate,
  recorder,
})
attachForms(instance, {
  ...(data.field ? { field: data.field } : {}),
  ...(timeout > 0 ? { timeout } : {}),
})

/** Builds a token for `action` with the page's instance, for code that posts with fetch. */
export const token = (action: string): Promise<string> => instance.token(action)
/** Fetches a challenge for `action` ahead of time. */
export const prefetch = (action: string): void => instance.prefetch(action)
/** Limits behaviour recording to these inputs (elements or selectors). */
export const attach = (...targets: Array<Element | string>): void => instance.attach(...targets)
/** Resolves when every signal has been collected. */
export const ready = (): Promise<void> => instance.ready()

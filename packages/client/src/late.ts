// Entry of the lazily loaded part of the script-tag build (dist/kenchi-signals.min.js):
// the device, environment and consistency signals and FingerprintJS. The main script
// loads it from its own directory once the page is idle and reads `KenchiSignals`.
export { DEVICE_SIGNALS } from './signals/device.js'

import { setWorkerUrl } from './signals/worker.js'

// The worker script sits next to this one.
const own = document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : ''
if (own) setWorkerUrl(new URL('kenchi-worker.min.js', own).href)

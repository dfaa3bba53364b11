// Entry of the lazily loaded part of the script-tag build (dist/kenchi-signals.min.js):
// the device, environment and consistency signals and FingerprintJS. The main script
// loads it from its own directory once the page is idle and reads `KenchiSignals`.
export { DEVICE_SIGNALS } from './signals/device.js'

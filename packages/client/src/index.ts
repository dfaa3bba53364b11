export { createKenchi } from './kenchi.js'
export { KenchiClientError, whenIdle } from './client.js'
export type { Kenchi, KenchiOptions } from './client.js'
export { startRecording, keyCategory } from './recorder.js'
export type { Recorder, RecorderOptions } from './recorder.js'
export { attachForms } from './forms.js'
export type { AttachOptions } from './forms.js'
export { loadDeviceKey } from './device-key.js'
export type { DeviceKey } from './device-key.js'
export {
  SIGNALS,
  CORE_SIGNALS,
  DEVICE_SIGNALS,
  collectSignals,
  runSignal,
  SIGNAL_ERRORS,
  UnsupportedError,
} from './signals/index.js'
export type { Signal } from './signals/index.js'

import { CORE_SIGNALS } from './core.js'
import { DEVICE_SIGNALS } from './device.js'
import type { Signal } from './types.js'

export { runSignal, collectSignals, SIGNAL_ERRORS, UnsupportedError } from './types.js'
export type { Signal } from './types.js'
export { CORE_SIGNALS } from './core.js'
export { DEVICE_SIGNALS } from './device.js'

/**
 * Every signal the client collects, in run order (the registry): the core automation
 * signals, then device, environment and consistency signals, FingerprintJS last.
 */
export const SIGNALS: readonly Signal[] = [...CORE_SIGNALS, ...DEVICE_SIGNALS]

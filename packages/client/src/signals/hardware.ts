import type { Signal } from './types.js'

/** `[deviceMemory (GB, -1 unknown), hardwareConcurrency (-1 unknown), maxTouchPoints]`: device class. */
export const hardware: Signal = {
  name: 'hardware',
  collect: () => {
    const n = navigator as Navigator & { deviceMemory?: number }
    return [n.deviceMemory ?? -1, n.hardwareConcurrency ?? -1, n.maxTouchPoints ?? 0]
  },
}

import { UnsupportedError, type Signal } from './types.js'

interface NetworkInformation {
  effectiveType?: string
  rtt?: number
  downlink?: number
  saveData?: boolean
}

/** Network Information API: `[effectiveType, rtt ms, downlink Mb/s, saveData]`; `unsupported` outside Chromium. */
export const connection: Signal = {
  name: 'connection',
  collect: () => {
    const c = (navigator as Navigator & { connection?: NetworkInformation }).connection
    if (!c) throw new UnsupportedError()
    return [String(c.effectiveType ?? '').slice(0, 16), c.rtt ?? -1, c.downlink ?? -1, c.saveData === true]
  },
}

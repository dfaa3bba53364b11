import type { Signal } from './types.js'

/** `[navigator.platform, navigator.vendor, navigator.oscpu or ""]`, compared with the user agent. */
export const platform: Signal = {
  name: 'platform',
  collect: () => {
    const n = navigator as Navigator & { oscpu?: string }
    return [String(n.platform ?? '').slice(0, 64), String(n.vendor ?? '').slice(0, 64), String(n.oscpu ?? '').slice(0, 64)]
  },
}

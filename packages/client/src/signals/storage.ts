import type { Signal } from './types.js'

function works(get: () => Storage): boolean {
  try {
    const s = get()
    s.setItem('kenchi-probe', '1')
    s.removeItem('kenchi-probe')
    return true
  } catch {
    return false
  }
}

/**
 * Storage availability and private-mode hints:
 * `[cookieEnabled, localStorage works, sessionStorage works, indexedDB present, quota MB (-1 unknown)]`.
 * A small quota (Chromium gives incognito windows a fraction of normal) hints at a private window.
 */
export const storage: Signal = {
  name: 'storage',
  collect: async () => {
    let quota = -1
    try {
      const estimate = await navigator.storage?.estimate?.()
      if (estimate?.quota !== undefined) quota = Math.round(estimate.quota / 1048576)
    } catch {
      // unknown
    }
    return [
      navigator.cookieEnabled === true,
      works(() => localStorage),
      works(() => sessionStorage),
      typeof indexedDB !== 'undefined',
      quota,
    ]
  },
}

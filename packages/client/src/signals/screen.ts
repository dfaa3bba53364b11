import type { Signal } from './types.js'

/** Screen and window geometry: `[width, height, availWidth, availHeight, colorDepth, devicePixelRatio, innerWidth, innerHeight, outerWidth, outerHeight]`. */
export const screen: Signal = {
  name: 'screen',
  collect: () => {
    const s = window.screen
    return [
      s.width,
      s.height,
      s.availWidth,
      s.availHeight,
      s.colorDepth,
      Math.round(window.devicePixelRatio * 100) / 100,
      window.innerWidth,
      window.innerHeight,
      window.outerWidth,
      window.outerHeight,
    ]
  },
}

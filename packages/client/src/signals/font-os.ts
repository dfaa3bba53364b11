import type { Signal } from './types.js'

/**
 * Marker fonts by system family. No iOS or Android device has the `windows` or `linux`
 * ones, and no Android device the `apple` ones (macOS and iOS both ship them); Android's
 * font aliases cover Arial, Helvetica, Times, Courier and a few more, none of these. So a
 * phone user agent on a page that renders one is a desktop browser.
 */
export const DESKTOP_FONTS: Readonly<Record<'windows' | 'linux' | 'apple', readonly string[]>> = {
  windows: ['Segoe UI', 'Calibri', 'Consolas', 'Meiryo', 'MS Gothic'],
  linux: ['DejaVu Sans', 'Liberation Sans', 'Cantarell', 'Ubuntu'],
  apple: ['Hiragino Sans', 'Avenir Next', 'Futura'],
}

/**
 * Which marker font families the page renders: any of `windows`, `linux`, `apple`, or `[]`.
 * Only the family's name travels, never the fonts found. Runs last (after FingerprintJS),
 * measuring twelve fonts in two batches on a hidden element removed straight after; the
 * server compares it with the user agent (`fonts-os`, docs/rules.md).
 */
export const fontOs: Signal = {
  name: 'fontOs',
  collect: async () => {
    // Imported lazily, as FingerprintJS is: the measuring code stays out of the main bundle.
    const { probeFonts } = await import('./font-list.js')
    const found = new Set(await probeFonts(Object.values(DESKTOP_FONTS).flat()))
    return (Object.keys(DESKTOP_FONTS) as Array<keyof typeof DESKTOP_FONTS>).filter((os) => DESKTOP_FONTS[os].some((f) => found.has(f)))
  },
}

// Installed-font probe for the `fingerprint` signal's `fonts` group, in place of
// FingerprintJS's `fonts` source, which measures every font in one layout: a 50–140 ms
// long task in Chromium 156 on a 2-core machine. Here fonts are measured a few at a time,
// yielding to the page between batches. Styles are set through the CSSOM (allowed under
// `style-src 'self'`) on a hidden element removed straight after.

/** Fonts worth telling apart for shops in Japan and elsewhere. */
export const FONTS = [
  'Meiryo',
  'Yu Gothic',
  'MS Gothic',
  'MS Mincho',
  'MS PGothic',
  'BIZ UDGothic',
  'Hiragino Sans',
  'Hiragino Kaku Gothic ProN',
  'Hiragino Mincho ProN',
  'Osaka',
  'Noto Sans JP',
  'Noto Sans CJK JP',
  'Source Han Sans JP',
  'IPAGothic',
  'IPAexGothic',
  'TakaoGothic',
  'VL Gothic',
  'Arial Unicode MS',
  'Segoe UI',
  'Calibri',
  'Cambria',
  'Consolas',
  'Helvetica Neue',
  'Menlo',
  'Monaco',
  'Avenir',
  'Futura',
  'Gill Sans',
  'Optima',
  'Palatino',
  'Ubuntu',
  'DejaVu Sans',
  'Liberation Sans',
  'Roboto',
  'Droid Sans',
  'Cantarell',
] as const

const BASES = ['monospace', 'sans-serif', 'serif'] as const
const TEXT = 'mmMwWLliI0O&1あア漢'
const BATCH = 6

const yieldToPage = () => new Promise((resolve) => setTimeout(resolve, 0))

/** The fonts of `FONTS` that render differently from all three generic families. */
export async function probeFonts(fonts: readonly string[] = FONTS): Promise<string[]> {
  if (!document.body) return []
  const box = document.createElement('div')
  box.setAttribute('aria-hidden', 'true')
  const s = box.style
  s.position = 'absolute'
  s.left = '-9999px'
  s.top = '0'
  s.visibility = 'hidden'
  s.fontSize = '48px'
  const span = (family: string) => {
    const el = document.createElement('span')
    el.style.fontFamily = family
    el.style.whiteSpace = 'nowrap'
    el.textContent = TEXT
    box.appendChild(el)
    return el
  }
  const found: string[] = []
  document.body.appendChild(box)
  try {
    const base = BASES.map((b) => span(b))
    const baseSizes = base.map((el) => [el.offsetWidth, el.offsetHeight])
    box.textContent = ''
    for (let i = 0; i < fonts.length; i += BATCH) {
      const batch = fonts.slice(i, i + BATCH)
      const spans = batch.map((font) => BASES.map((b) => span(`"${font}",${b}`)))
      batch.forEach((font, j) => {
        if (spans[j]!.some((el, k) => el.offsetWidth !== baseSizes[k]![0] || el.offsetHeight !== baseSizes[k]![1])) found.push(font)
      })
      box.textContent = ''
      await yieldToPage()
    }
  } finally {
    box.remove()
  }
  return found
}

import { UnsupportedError, type Signal } from './types.js'

interface UAData {
  brands?: Array<{ brand: string; version: string }>
  mobile?: boolean
  platform?: string
}

/**
 * User-Agent Client Hints (low entropy, no permission prompt, no extra request):
 * `[platform, mobile, "Brand/major,Brand/major..."]`; `unsupported` where the API is missing
 * (Firefox, Safari). Compared with the user agent string.
 */
export const clientHints: Signal = {
  name: 'clientHints',
  collect: () => {
    const data = (navigator as Navigator & { userAgentData?: UAData }).userAgentData
    if (!data) throw new UnsupportedError()
    const brands = (data.brands ?? []).map((b) => `${b.brand}/${b.version}`).join(',')
    return [String(data.platform ?? '').slice(0, 64), data.mobile === true, brands.slice(0, 256)]
  },
}

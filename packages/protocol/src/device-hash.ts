// Coarse and fine device hashes from the reference client's `fingerprint` signal. The
// client sends one short hash per group of FingerprintJS components (`g`); the server
// derives two identifiers of different granularity from them, O-MOTION style:
// - coarse: only groups a browser update does not change (screen, locale, hardware, fonts),
//   so a known device stays known across updates;
// - fine: every group, so two similar devices are told apart.

/** Groups the coarse hash is built from. */
export const COARSE_GROUPS = ['screen', 'locale', 'hardware', 'fonts'] as const

/** Which FingerprintJS component goes into which group; unlisted components go to `other`. */
export const FINGERPRINT_GROUPS: Readonly<Record<string, string>> = {
  screenResolution: 'screen',
  colorDepth: 'screen',
  colorGamut: 'screen',
  hdr: 'screen',
  monochrome: 'screen',
  languages: 'locale',
  timezone: 'locale',
  hardwareConcurrency: 'hardware',
  deviceMemory: 'hardware',
  platform: 'hardware',
  architecture: 'hardware',
  touchSupport: 'hardware',
  osCpu: 'hardware',
  cpuClass: 'hardware',
  fonts: 'fonts',
  fontList: 'fonts',
  fontPreferences: 'fonts',
  canvas: 'graphics',
  webGlBasics: 'graphics',
  webGlExtensions: 'graphics',
  audio: 'audio',
  audioBaseLatency: 'audio',
  math: 'math',
  invertedColors: 'prefs',
  forcedColors: 'prefs',
  contrast: 'prefs',
  reducedMotion: 'prefs',
  reducedTransparency: 'prefs',
  screenFrame: 'prefs',
}

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits (two 32-bit lanes). */
export function fnv1a64(text: string): string {
  let a = 0x811c9dc5
  let b = 0xcbf29ce4
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193) >>> 0
    b = Math.imul(b ^ c ^ (a & 0xff), 0x01000193) >>> 0
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')
}

/**
 * The coarse and fine device hashes of a `fingerprint` signal value
 * (`{"g": {group: hash, ...}, ...}`), or `undefined` if the value has no groups.
 * Pure; the same input gives the same output on client, server and in benchmarks.
 */
export function deviceHashes(value: unknown): { coarse: string; fine: string } | undefined {
  const groups = (value as { g?: unknown } | null | undefined)?.g
  if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) return undefined
  const g = groups as Record<string, unknown>
  const part = (name: string) => `${name}=${typeof g[name] === 'string' ? (g[name] as string) : '-'}`
  const coarse = COARSE_GROUPS.map(part).join(';')
  const fine = Object.keys(g).sort().map(part).join(';')
  return { coarse: fnv1a64(coarse), fine: fnv1a64(fine) }
}

// FingerprintJS's entropy sources, with Kenchi's batched font probe (`fontList`, see
// font-list.ts) in place of its `fonts`, and minus two more: `domBlockers` inserts bait elements into the
// shop's page to detect ad blockers, is slow, changes whenever a filter list does, and
// weighs 2 KB; `webGlExtensions` takes 40+ ms of main thread in one piece on software
// WebGL (measured in Chromium 156 with SwiftShader: a long task) and changes with every
// browser update anyway. Imported statically here so bundlers can drop it; the `fingerprint` signal
// imports this module lazily.
import { loadSources, prepareForSources, sources, hashComponents, type UnknownComponents } from '@fingerprintjs/fingerprintjs'

const s = sources
const CHOSEN = {
  fontPreferences: s.fontPreferences,
  audio: s.audio,
  screenFrame: s.screenFrame,
  canvas: s.canvas,
  osCpu: s.osCpu,
  languages: s.languages,
  colorDepth: s.colorDepth,
  deviceMemory: s.deviceMemory,
  screenResolution: s.screenResolution,
  hardwareConcurrency: s.hardwareConcurrency,
  timezone: s.timezone,
  sessionStorage: s.sessionStorage,
  localStorage: s.localStorage,
  indexedDB: s.indexedDB,
  openDatabase: s.openDatabase,
  cpuClass: s.cpuClass,
  platform: s.platform,
  plugins: s.plugins,
  touchSupport: s.touchSupport,
  vendor: s.vendor,
  vendorFlavors: s.vendorFlavors,
  cookiesEnabled: s.cookiesEnabled,
  colorGamut: s.colorGamut,
  invertedColors: s.invertedColors,
  forcedColors: s.forcedColors,
  monochrome: s.monochrome,
  contrast: s.contrast,
  reducedMotion: s.reducedMotion,
  reducedTransparency: s.reducedTransparency,
  hdr: s.hdr,
  math: s.math,
  pdfViewerEnabled: s.pdfViewerEnabled,
  architecture: s.architecture,
  applePay: s.applePay,
  privateClickMeasurement: s.privateClickMeasurement,
  audioBaseLatency: s.audioBaseLatency,
  dateTimeLocale: s.dateTimeLocale,
  webGlBasics: s.webGlBasics,
  userAgentData: s.userAgentData,
}

/** Collects the chosen components (waits for the page to be idle first, as FingerprintJS's `load` does). */
export async function collectComponents(): Promise<UnknownComponents> {
  await prepareForSources()
  // Yield to the page after every source (interval 0), not every 16 ms: no long tasks.
  return loadSources(CHOSEN, { cache: {}, debug: false }, [], 0)()
}

export { hashComponents }

// The operating system a user agent claims, and the `navigator.platform` and client-hint
// platform values each OS shows. Shared by the client's `consistency` signal and the
// server's re-check of the raw signals (rules/environment.ts), so both judge a user agent
// by the same facts.

/** The device class a user agent claims. */
export type UaOs = 'windows' | 'mac' | 'ios' | 'android' | 'cros' | 'linux' | 'other'

/** The operating system a user-agent string names. */
export function uaOs(ua: string): UaOs {
  if (/Windows/.test(ua)) return 'windows'
  if (/iPhone|iPad|iPod/.test(ua)) return 'ios'
  if (/Android/.test(ua)) return 'android'
  if (/CrOS/.test(ua)) return 'cros'
  if (/Mac OS X|Macintosh/.test(ua)) return 'mac'
  if (/Linux|X11/.test(ua)) return 'linux'
  return 'other'
}

/** `navigator.platform` values each claimed OS shows (an iPad or iPhone asking for desktop sites says Mac in both). */
export const UA_OS_PLATFORM: Readonly<Record<UaOs, RegExp>> = {
  windows: /^Win/,
  mac: /^Mac/,
  ios: /^(iPhone|iPad|iPod|MacIntel)/,
  android: /^(Linux|Android|null$)/,
  cros: /^(Linux|CrOS)/,
  linux: /^(Linux|X11|FreeBSD|OpenBSD)/,
  other: /./,
}

/** `navigator.userAgentData.platform` per claimed OS. */
export const UA_OS_HINT_PLATFORM: Readonly<Record<UaOs, RegExp>> = {
  windows: /^Windows$/,
  mac: /^macOS$/,
  ios: /^iOS$/,
  android: /^Android$/,
  cros: /^Chrome OS$/,
  linux: /^Linux$/,
  other: /./,
}

import type { Signal } from './types.js'

/** Time zone as `[IANA name from Intl, offset in minutes from Date]`. */
export const timezone: Signal = {
  name: 'timezone',
  collect: () => [Intl.DateTimeFormat().resolvedOptions().timeZone ?? '', new Date().getTimezoneOffset()],
}

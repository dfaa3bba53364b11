import type { Signal } from './types.js'

/** `navigator.language` followed by `navigator.languages` (at most 10). */
export const languages: Signal = {
  name: 'languages',
  collect: () => [navigator.language ?? '', ...(navigator.languages ?? []).slice(0, 10)],
}

import type { Signal } from './types.js'

/** `navigator.userAgent`, truncated to the protocol's string limit; compared with the request header on the server. */
export const userAgent: Signal = {
  name: 'userAgent',
  collect: () => navigator.userAgent.slice(0, 512),
}

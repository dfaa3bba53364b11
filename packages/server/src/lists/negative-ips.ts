import { negativeIpKey } from '../rules/negative.js'
import type { Store } from '../stores/types.js'

/** The negative IP list that fraud labels build in a store (`NEGATIVE_IP`, docs/rules.md). */
export interface NegativeIps {
  /** Whether the IP is on the list (an event from it was labelled fraud in the last 30 days). */
  has(ip: string): Promise<boolean>
  /** Takes the IP off the list, e.g. after a mistaken label. */
  remove(ip: string): Promise<void>
}

/** Reads and clears the negative IP list kept in `store`; the list itself is written by `verifier.label()`. */
export function negativeIps(store: Store): NegativeIps {
  return {
    has: (ip) => store.has(negativeIpKey(ip)),
    remove: (ip) => store.deleteKey(negativeIpKey(ip)),
  }
}

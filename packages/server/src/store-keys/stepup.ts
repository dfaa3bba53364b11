/**
 * Store keys of the step-up (`su:`) and confirmation (`cf:`) namespaces: the one place
 * their writers and readers build them (`stepup/stepup.ts`, `stepup/confirm.ts`).
 *
 * The strings are a storage format: data written by an earlier version must still be
 * read, so a builder's output never changes (`stepup.test.ts` next to this file pins every
 * one). Parts that identify a person or a secret are keyed hashes made by the caller under
 * the step-up or confirmation secret; these builders only join them.
 */

/** A key in the step-up namespace. */
export type StepUpKey = `su:${string}`
/** A key in the confirmation namespace. */
export type ConfirmKey = `cf:${string}`

/** Keys of one step-up (one event) and its abuse limits. */
export const stepUpKeys = {
  /** Flag, set by `start()` and `passkeyOptions()`: the step-up of `eventId` exists. */
  started: (eventId: string): StepUpKey => `su:ev:${eventId}`,
  /** Flag, `setIfAbsent`: the step-up passed (single use). */
  done: (eventId: string): StepUpKey => `su:done:${eventId}`,
  /** Flag, `setIfAbsent`: `challenge_failed` was reported (once per event). */
  failed: (eventId: string): StepUpKey => `su:failed:${eventId}`,
  /** Hit counter: credential attempts (codes, TOTP, passkeys together), across resends. */
  attempts: (eventId: string): StepUpKey => `su:try:${eventId}`,
  /** Hit counter: codes issued; its count is the current generation (1 for the first code). */
  generations: (eventId: string): StepUpKey => `su:gen:${eventId}`,
  /** Flag, `setIfAbsent`: the resend cool-down is running. */
  cooldown: (eventId: string): StepUpKey => `su:cool:${eventId}`,
  /** Flag: generation `gen`'s code has not expired (lives `ttlMs`). */
  live: (eventId: string, gen: number): StepUpKey => `su:live:${eventId}:${gen}`,
  /** Flag: generation `gen`'s code, `codeHash` being the keyed hash of everything it is bound to. */
  code: (eventId: string, gen: number, codeHash: string): StepUpKey => `su:c:${eventId}:${gen}:${codeHash}`,
  /** Flag: a passkey challenge issued for the event, `challengeHash` its keyed hash. */
  passkeyChallenge: (eventId: string, challengeHash: string): StepUpKey => `su:pk:${eventId}:${challengeHash}`,
  /** Flag, `setIfAbsent`: TOTP time step `counter` was used by this identity (user hash, else login hash). */
  totpUsed: (identityHash: string, counter: number): StepUpKey => `su:totp:${identityHash}:${counter}`,
  /** Hit counter: step-up requests per identity (login hash, else user hash). */
  rateUser: (identityHash: string): StepUpKey => `su:rl:u:${identityHash}`,
  /** Hit counter: step-up requests per device. */
  rateDevice: (deviceId: string): StepUpKey => `su:rl:d:${deviceId}`,
  /** Hit counter: step-up requests per IP address. */
  rateIp: (ip: string): StepUpKey => `su:rl:i:${ip}`,
  /** Hit counter: codes sent per address, `addressHash` the keyed hash of the normalized address (or a throwaway value). */
  rateAddress: (addressHash: string): StepUpKey => `su:rl:t:${addressHash}`,
} as const

/** Keys of one confirmation reference (`refId`: the keyed hash of purpose and reference) and its limits. */
export const confirmKeys = {
  /** Flag, `setIfAbsent`: the reference was confirmed (single use). */
  done: (refId: string): ConfirmKey => `cf:done:${refId}`,
  /** Hit counter: wrong-code attempts, across resends. */
  attempts: (refId: string): ConfirmKey => `cf:try:${refId}`,
  /** Hit counter: messages sent; its count is the current generation. */
  generations: (refId: string): ConfirmKey => `cf:gen:${refId}`,
  /** Flag, `setIfAbsent`: the cool-down between two messages is running. */
  cooldown: (refId: string): ConfirmKey => `cf:cool:${refId}`,
  /** Flag: generation `gen`'s code has not expired. */
  live: (refId: string, gen: number): ConfirmKey => `cf:live:${refId}:${gen}`,
  /** Flag: generation `gen`'s code, `codeHash` its keyed hash. */
  code: (refId: string, gen: number, codeHash: string): ConfirmKey => `cf:c:${refId}:${gen}:${codeHash}`,
  /** Hit counter: messages per address, `addressHash` the keyed hash of the normalized address. */
  rateAddress: (addressHash: string): ConfirmKey => `cf:rl:t:${addressHash}`,
  /** Hit counter: messages per IP address. */
  rateIp: (ip: string): ConfirmKey => `cf:rl:i:${ip}`,
} as const

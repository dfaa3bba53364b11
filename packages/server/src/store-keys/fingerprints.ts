// A user's trusted fingerprints, kept in the user–device link table as pairs
// (`fp:<user hash>`, `f:<fine>` / `c:<coarse>`): written when a device is trusted
// (effects.ts), read by historyRule for the console's `fingerprintMatch` hint only.

/** The link-table "user" side of a user's fingerprints (`fp:<user hash>`). */
export const userFingerprintKey = (userHash: string): string => `fp:${userHash}`

/** The link-table "device" side of a fine fingerprint (`f:<fine>`). */
export const fineFingerprintId = (fine: string): string => `f:${fine}`

/** The link-table "device" side of a coarse fingerprint (`c:<coarse>`). */
export const coarseFingerprintId = (coarse: string): string => `c:${coarse}`

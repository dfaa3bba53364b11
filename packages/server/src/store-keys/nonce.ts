/** The single-use flag of a challenge nonce (`nonce:<n>`), set by the atomic consume in `verify()`. */
export const nonceKey = (nonce: string): string => `nonce:${nonce}`

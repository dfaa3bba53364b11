// Negative-list flags that a `fraud` label sets (effects.ts) and rules read: the IP
// (negativeRule, `NEGATIVE_IP`) and the fine fingerprint (deviceClaimsRule, `FRAUD_FINGERPRINT`).

/** The store flag that marks an IP negative (`ng-ip:<ip>`). */
export const negativeIpKey = (ip: string): string => `ng-ip:${ip}`

/** The store flag that marks a fine fingerprint as seen on a device labelled fraud (`ng-fp:<fine>`). */
export const fraudFingerprintKey = (fine: string): string => `ng-fp:${fine}`

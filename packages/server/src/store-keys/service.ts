/** The value the service's `/readyz` reads to prove the store answers (never written). */
export const READINESS_KEY = 'kenchi:readyz'

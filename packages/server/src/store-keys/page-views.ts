// The page-view limiter's per-IP counter and block flag.

/** Page views counted for an IP in the current window (`pv:<ip>`). */
export const pageViewKey = (ip: string): string => `pv:${ip}`

/** The flag of an IP blocked for going over (`pv-block:<ip>`). */
export const pageViewBlockKey = (ip: string): string => `pv-block:${ip}`

// Attack mode's site-wide counters. Its failed-login count reads the site outcome counter
// (outcomes.ts).

/** The distinct set of login ids tried site-wide, one per window length (`attack:users:<windowMs>`). */
export const attackUsersKey = (windowMs: number): string => `attack:users:${windowMs}`

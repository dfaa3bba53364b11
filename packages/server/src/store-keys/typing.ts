/** The stored typing profile of a user (`typing:<user hash>`, a JSON value of a few KB). */
export const typingProfileKey = (userHash: string): string => `typing:${userHash}`

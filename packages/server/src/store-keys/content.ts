/** The counter of one normalised form text's digest (`content:<hex>`), kept by contentRule's repeat check. */
export const contentRepeatKey = (digest: string): string => `content:${digest}`

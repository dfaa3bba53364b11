/** The flag of a typing-timing band already seen (`beh:rep:<band hash>`), set by behaviourReplayRule. */
export const replayBandKey = (band: string): string => `beh:rep:${band}`

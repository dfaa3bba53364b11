// Split storage (stores/split.ts): a short copy of a just-recorded event in the hot store,
// so another process can read it before the history database has it.

/** The hot store's copy of event `id` (`history-recent:<id>`), kept `recentMs`. */
export const recentEventKey = (id: string): string => `history-recent:${id}`

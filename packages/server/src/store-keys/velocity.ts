// Velocity rule counters. Outcome counters, which velocity `failures` limits read, are in
// outcomes.ts.
/** What a velocity limit counts per, or counts distinct values of. */
export type Dimension = 'ip' | 'device' | 'user' | 'site'

/** The request counter a `count` limit keeps per action list and `by` value (`vel:req:<a+b>:<by>:<value>`). */
export const velocityRequestKey = (actions: readonly string[], by: Dimension, value: string): string =>
  `vel:req:${actions.join('+')}:${by}:${value}`

/**
 * The distinct set a `distinct` limit keeps (`vel:<of>-per-<by>:<windowMs>:<value>`): one per
 * window, so pruning a short window never shortens a longer one.
 */
export const velocityDistinctKey = (of: Dimension, by: Dimension, windowMs: number, value: string): string =>
  `vel:${of}-per-${by}:${windowMs}:${value}`

import type { Json, SignalResult } from '@kenchi/protocol'

/** The value of a signal, or `undefined` if it is absent or reported an error. */
export function signalValue(signals: Record<string, SignalResult>, name: string): Json | undefined {
  const result = Object.hasOwn(signals, name) ? signals[name] : undefined
  return result !== undefined && 'v' in result ? result.v : undefined
}

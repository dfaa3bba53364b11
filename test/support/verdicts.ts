import type { Reason } from '@kenchi/server'

const DOUBTS = new Set(['HEADLESS', 'ENVIRONMENT_TAMPERED', 'ENVIRONMENT_INCONSISTENT'])

/**
 * The reasons in a verdict that are neither `expected` nor a weak environment doubt (a
 * doubt code under the challenge threshold, such as software WebGL on a test machine
 * without a GPU). Browser tests assert this is empty, so any real surprise still fails.
 */
export function unexpectedReasons(reasons: readonly Reason[], expected: readonly string[] = []): Reason[] {
  return reasons.filter((r) => !expected.includes(r.code) && !(DOUBTS.has(r.code) && r.weight < 40))
}

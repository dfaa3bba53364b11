import type { Store } from '../../packages/server/src/stores/types.js'

/**
 * `inner` with every method call passed to `record` (its name and arguments) before it
 * runs: for tests that compare or pin the store calls a code path makes.
 */
export function recordingStore(inner: Store, record: (name: string, args: unknown[]) => void): Store {
  const methods = new Set<string>()
  for (let o: object | null = inner; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o))
      if (name !== 'constructor' && typeof (inner as unknown as Record<string, unknown>)[name] === 'function') methods.add(name)
  }
  const wrapped: Record<string, unknown> = {}
  for (const name of methods) {
    const method = (inner as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!
    wrapped[name] = (...args: unknown[]) => {
      record(name, args)
      return method.apply(inner, args)
    }
  }
  return Object.assign(Object.create(inner) as Store, wrapped)
}

import { KenchiError } from '../errors.js'

/** Option checks shared by the step-up and confirmation factories: `fail` throws `KenchiError(code)`, `int` reads a bounded integer. */
export function optionChecks(code: string, factory: string) {
  const fail = (message: string): never => {
    throw new KenchiError(code, `${factory}: ${message}`)
  }
  const int = (value: unknown, name: string, min: number, max: number, fallback: number): number => {
    const v = value ?? fallback
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max}`)
    return v as number
  }
  return { fail, int }
}

import { describe, expect, it } from 'vitest'
import { KenchiError } from './errors.js'
import { describeBounds, inBounds, numberOption, optionChecks, withTimeout } from './validate.js'

describe('option checks', () => {
  it('says the bounds in words', () => {
    expect(describeBounds({ min: 1, integer: true })).toBe('an integer ≥ 1')
    expect(describeBounds({ above: 0 })).toBe('a number > 0')
    expect(describeBounds({ min: 0, max: 65535, integer: true })).toBe('an integer from 0 to 65535')
    expect(describeBounds({})).toBe('a number')
  })

  it('accepts only finite numbers within every bound', () => {
    for (const bad of [Number.NaN, Infinity, '5', null, undefined, {}]) expect(inBounds(bad, {})).toBe(false)
    expect(inBounds(0, { above: 0 })).toBe(false)
    expect(inBounds(1.5, { min: 1, integer: true })).toBe(false)
    expect(inBounds(101, { max: 100 })).toBe(false)
    expect(inBounds(7, { min: 1, max: 10, integer: true })).toBe(true)
  })

  it('throws KenchiError with the given code, naming the factory and the option', () => {
    const check = optionChecks('CONFIG_STORE', 'sqliteStore')
    expect(() => check.number('maxEvents', 0, { min: 1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_STORE', message: 'sqliteStore: maxEvents must be a number ≥ 1' }),
    )
    expect(() => check.positiveInteger('max', 2.5)).toThrow(/max must be an integer ≥ 1/)
    expect(() => check.positiveNumber('commandTimeout', 0)).toThrow(/commandTimeout must be a number > 0/)
    expect(() => check.nonNegative('readyTimeout', -1)).toThrow(/readyTimeout must be a number ≥ 0/)
    expect(() => check.weight('weights.X', 101)).toThrow(/weights.X must be a number from 0 to 100/)
    expect(() => check.fail('path, a file name')).toThrow(new KenchiError('CONFIG_STORE', 'sqliteStore: path, a file name'))
    expect(() => numberOption('CONFIG_RULE', 'x', 'nope', {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_RULE', message: 'x must be a number' }),
    )
    expect(() => optionChecks('CONFIG_ADAPTER', '').positiveInteger('challengeLimit.max', 0)).toThrow(
      expect.objectContaining({ message: 'challengeLimit.max must be an integer ≥ 1' }),
    )
  })

  it('reads a missing option as its fallback, and checks a given one', () => {
    const check = optionChecks('CONFIG_NOTIFY', 'createNotifier')
    expect(check.positiveInteger('rateLimit.max', undefined, 10)).toBe(10)
    expect(check.positiveInteger('rateLimit.max', 3, 10)).toBe(3)
    expect(() => check.positiveInteger('rateLimit.max', null, 10)).not.toThrow() // null reads as missing, as `??` does
    expect(() => check.positiveInteger('rateLimit.max', undefined)).toThrow(/rateLimit.max/)
  })
})

describe('withTimeout', () => {
  it('settles with the call when it is in time', async () => {
    await expect(
      withTimeout(
        async () => 'ok',
        1000,
        () => new Error('late'),
      ),
    ).resolves.toBe('ok')
    await expect(
      withTimeout(
        () => Promise.reject(new Error('own')),
        1000,
        () => new Error('late'),
      ),
    ).rejects.toThrow('own')
  })

  it('rejects with the timeout error when the call hangs', async () => {
    const started = Date.now()
    await expect(
      withTimeout(
        () => new Promise(() => {}),
        30,
        () => new Error('late'),
      ),
    ).rejects.toThrow('late')
    expect(Date.now() - started).toBeGreaterThanOrEqual(25)
  })

  it('turns a synchronous throw into a rejection', async () => {
    await expect(
      withTimeout(
        () => {
          throw new Error('sync')
        },
        1000,
        () => new Error('late'),
      ),
    ).rejects.toThrow('sync')
  })
})

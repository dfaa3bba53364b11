import { describe, expect, it } from 'vitest'
import { collectSignals } from './index.js'
import { runSignal, UnsupportedError } from './types.js'

describe('runSignal', () => {
  it('wraps a value with its duration', async () => {
    expect(await runSignal({ name: 'a', collect: () => 42 })).toEqual({ v: 42, d: 0 })
    const slow = await runSignal({ name: 'b', collect: () => new Promise((r) => setTimeout(() => r('x'), 30)) })
    expect(slow).toMatchObject({ v: 'x' })
    expect((slow as { d: number }).d).toBeGreaterThanOrEqual(25)
  })

  it('turns throws and rejections into error codes instead of failing', async () => {
    expect(
      await runSignal({
        name: 'c',
        collect: () => {
          throw new TypeError('no API')
        },
      }),
    ).toMatchObject({ e: 'failed' })
    expect(await runSignal({ name: 'd', collect: () => Promise.reject(new Error('x')) })).toMatchObject({ e: 'failed' })
    expect(
      await runSignal({
        name: 'e',
        collect: () => {
          throw new UnsupportedError()
        },
      }),
    ).toMatchObject({ e: 'unsupported' })
  })

  it('collects in registry order, filling results as they arrive, one broken signal sinking nothing', async () => {
    const order: string[] = []
    const into = {}
    const result = await collectSignals(
      [
        { name: 'first', collect: () => (order.push('first'), 1) },
        {
          name: 'broken',
          collect: () => {
            throw new Error('boom')
          },
        },
        { name: 'last', collect: () => (order.push('last'), [1, 2]) },
      ],
      into,
    )
    expect(order).toEqual(['first', 'last'])
    expect(result).toBe(into)
    expect(Object.keys(result)).toEqual(['first', 'broken', 'last'])
    expect(result).toMatchObject({ first: { v: 1 }, broken: { e: 'failed' }, last: { v: [1, 2] } })
  })
})

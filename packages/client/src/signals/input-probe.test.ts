// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { decodeInputClock, INPUT_CLOCK_SOURCE } from '@kenchi/protocol'
import { INPUT_PROBE_MAX, startInputProbe, type InputProbe } from './input-probe.js'

let probe: InputProbe | undefined
afterEach(() => probe?.stop())

const pointer = (type: string, pointerType: string) => {
  const e = new Event(type, { bubbles: true })
  Object.defineProperty(e, 'pointerType', { value: pointerType })
  return e
}

describe('input-clock probe (stream q)', () => {
  it('records the timeStamp phase digit of mouse and key events, and nothing else', () => {
    probe = startInputProbe(false)
    document.body.dispatchEvent(pointer('pointerdown', 'mouse'))
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }))
    document.body.dispatchEvent(new KeyboardEvent('keyup', { key: 'a', bubbles: true }))
    const q = probe.take()
    expect(q.length).toBe(6)
    const records = decodeInputClock(q)
    expect(records.map((r) => r.source)).toEqual([INPUT_CLOCK_SOURCE.mouse, INPUT_CLOCK_SOURCE.key, INPUT_CLOCK_SOURCE.key])
    for (const r of records) {
      expect(r.digit).toBeGreaterThanOrEqual(0)
      expect(r.digit).toBeLessThanOrEqual(9)
    }
    // Codes are digit × 2 + source only: no key, no position.
    for (let i = 1; i < q.length; i += 2) expect(q[i]).toBeLessThanOrEqual(19)
  })

  it('skips touch and pen, IME composition keys, auto-repeat and (by default) untrusted events', () => {
    probe = startInputProbe(false)
    document.body.dispatchEvent(pointer('pointerdown', 'touch'))
    document.body.dispatchEvent(pointer('pointerdown', 'pen'))
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Process', keyCode: 229, bubbles: true }))
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', isComposing: true, bubbles: true }))
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', repeat: true, bubbles: true }))
    expect(probe.take()).toEqual([])
    probe.stop()
    probe = startInputProbe()
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }))
    expect(probe.take()).toEqual([])
  })

  it('keeps at most INPUT_PROBE_MAX records and stops listening when stopped', () => {
    probe = startInputProbe(false)
    for (let i = 0; i < INPUT_PROBE_MAX + 10; i++) document.body.dispatchEvent(new KeyboardEvent('keyup', { key: 'a', bubbles: true }))
    expect(probe.take().length).toBe(INPUT_PROBE_MAX * 2)
    probe.stop()
    document.body.dispatchEvent(new KeyboardEvent('keyup', { key: 'a', bubbles: true }))
    expect(probe.take().length).toBe(INPUT_PROBE_MAX * 2)
  })
})

// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeForm, decodeKeys, decodePointer, FORM_EVENT, KEY_CATEGORY, LIMITS, POINTER_EVENT } from '@kenchi/protocol'
import { keyCategory, startRecording, type Recorder } from './recorder.js'

let recorder: Recorder | undefined
beforeEach(() => {
  document.body.innerHTML = '<form><input id="email"><input id="password" type="password"><textarea id="note"></textarea></form>'
})
afterEach(() => recorder?.stop())

const el = (id: string) => document.getElementById(id)!
function key(target: Element, type: 'keydown' | 'keyup', key: string, repeat = false) {
  target.dispatchEvent(new KeyboardEvent(type, { key, bubbles: true, repeat }))
}
function type(target: Element, text: string) {
  for (const ch of text) {
    key(target, 'keydown', ch)
    key(target, 'keyup', ch)
  }
}

describe('keyCategory', () => {
  it('maps keys to categories only', () => {
    const cases: Array<[string, number]> = [
      ['a', KEY_CATEGORY.letter],
      ['Z', KEY_CATEGORY.letter],
      ['あ', KEY_CATEGORY.letter],
      ['7', KEY_CATEGORY.digit],
      [' ', KEY_CATEGORY.space],
      ['Shift', KEY_CATEGORY.shift],
      ['Control', KEY_CATEGORY.modifier],
      ['Meta', KEY_CATEGORY.modifier],
      ['Backspace', KEY_CATEGORY.backspace],
      ['Delete', KEY_CATEGORY.backspace],
      ['ArrowLeft', KEY_CATEGORY.navigation],
      ['Tab', KEY_CATEGORY.navigation],
      ['Enter', KEY_CATEGORY.enter],
      ['@', KEY_CATEGORY.symbol],
      ['F5', KEY_CATEGORY.other],
      ['Process', KEY_CATEGORY.other],
      ['', KEY_CATEGORY.other],
    ]
    for (const [k, category] of cases) expect(keyCategory(k), k).toBe(category)
  })
})

describe('startRecording', () => {
  it('records key categories per field, never the keys, and skips auto-repeat', () => {
    recorder = startRecording({ trustedOnly: false })
    type(el('email'), 'a1')
    key(el('password'), 'keydown', 'x')
    key(el('password'), 'keydown', 'x', true)
    key(el('password'), 'keyup', 'x')
    const b = recorder.snapshot()
    const keys = decodeKeys(b.k)
    expect(keys.map((e) => [e.field, e.category, e.up])).toEqual([
      [1, KEY_CATEGORY.letter, false],
      [1, KEY_CATEGORY.letter, true],
      [1, KEY_CATEGORY.digit, false],
      [1, KEY_CATEGORY.digit, true],
      [2, KEY_CATEGORY.letter, false],
      [2, KEY_CATEGORY.letter, true],
    ])
    expect(JSON.stringify(Object.values(b))).toMatch(/^[\d,[\]-]+$/) // integers only
    expect(b.x).toHaveLength(2)
  })

  it('records focus, blur, paste, untyped input and submit, without reading values', () => {
    recorder = startRecording({ trustedOnly: false })
    el('email').dispatchEvent(new FocusEvent('focusin', { bubbles: true }))
    el('email').dispatchEvent(new Event('paste', { bubbles: true }))
    ;(el('password') as HTMLInputElement).value = 'secret'
    el('password').dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }))
    el('email').dispatchEvent(new FocusEvent('focusout', { bubbles: true }))
    document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true }))
    const form = decodeForm(recorder.snapshot().f)
    expect(form.map((e) => [e.field, e.type])).toEqual([
      [1, FORM_EVENT.focus],
      [1, FORM_EVENT.paste],
      [2, FORM_EVENT.untypedInput],
      [1, FORM_EVENT.blur],
      [0, FORM_EVENT.submit],
    ])
  })

  it('keeps pointer trajectories before clicks only, bounded', () => {
    recorder = startRecording({ trustedOnly: false, moveInterval: 0, movesPerClick: 3, maxClicks: 2 })
    const move = (x: number, y: number) =>
      document.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, pointerType: 'mouse' }))
    for (let click = 0; click < 3; click++) {
      for (let i = 0; i < 5; i++) move(i * 10, click * 100)
      document.dispatchEvent(new PointerEvent('pointerdown', { clientX: 50, clientY: click * 100, pointerType: 'mouse' }))
      document.dispatchEvent(new PointerEvent('pointerup', { clientX: 50, clientY: click * 100, pointerType: 'mouse' }))
    }
    move(1, 1) // hovering with no click: not kept
    const pointer = decodePointer(recorder.snapshot().p)
    expect(pointer.filter((e) => e.type === POINTER_EVENT.down)).toHaveLength(2)
    expect(pointer.filter((e) => e.type === POINTER_EVENT.move)).toHaveLength(6)
    expect(pointer.at(-1)).toMatchObject({ type: POINTER_EVENT.up, x: 50, y: 200 })
  })

  it('bounds memory: the oldest key events go first, and a snapshot stays within protocol limits', () => {
    recorder = startRecording({ trustedOnly: false, maxKeys: 10 })
    type(el('email'), 'abcdefghijklmnop')
    expect(decodeKeys(recorder.snapshot().k)).toHaveLength(10)
    recorder.stop()
    recorder = startRecording({ trustedOnly: false })
    for (let i = 0; i < 2000; i++) type(el('note'), 'a')
    const total = Object.values(recorder.snapshot()).reduce((n, s) => n + s.length, 0)
    expect(total).toBeLessThanOrEqual(LIMITS.maxEvents)
    for (const s of Object.values(recorder.snapshot())) expect(s.length).toBeLessThanOrEqual(LIMITS.maxArrayLength)
  })

  it('counts untrusted events instead of recording them, by default', () => {
    recorder = startRecording()
    type(el('email'), 'ab')
    const b = recorder.snapshot()
    expect(b.k).toBeUndefined()
    expect(b.x![1]).toBe(4)
  })

  it('tracks only attached fields once attach() is called, and stops cleanly', () => {
    recorder = startRecording({ trustedOnly: false })
    recorder.attach('#password')
    type(el('email'), 'a')
    type(el('password'), 'b')
    expect(decodeKeys(recorder.snapshot().k).map((e) => e.field)).toEqual([0, 0, 1, 1])
    recorder.stop()
    type(el('password'), 'c')
    expect(decodeKeys(recorder.snapshot().k)).toHaveLength(4)
  })
})

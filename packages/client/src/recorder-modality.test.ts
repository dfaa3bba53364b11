// @vitest-environment happy-dom
// Input modality in the recorder: key modality bits, input-type categories, composition,
// touch contacts and orientation; categories and timings only, never values.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeContacts, decodeInputs, decodeKeys, decodeStream, INPUT_EVENT, KEY_MODALITY, VISIBILITY_EVENT } from '@kenchi/protocol'
import { startRecording, type Recorder } from './recorder.js'

let recorder: Recorder | undefined
beforeEach(() => {
  document.body.innerHTML = '<form><input id="name"><input id="address"></form>'
})
afterEach(() => recorder?.stop())
const el = (id: string) => document.getElementById(id)!
const keyEvent = (target: Element, type: string, init: KeyboardEventInit & { keyCode?: number }) =>
  target.dispatchEvent(new KeyboardEvent(type, { bubbles: true, ...init }))
const pointer = (type: string, init: PointerEventInit) => el('name').dispatchEvent(new PointerEvent(type, { bubbles: true, ...init }))

describe('recorder: input modality', () => {
  it('marks on-screen keys (229 / Unidentified), composing keys, and keys after a touch; physical keys carry no bit', () => {
    recorder = startRecording({ trustedOnly: false })
    keyEvent(el('name'), 'keydown', { key: 'a' })
    keyEvent(el('name'), 'keyup', { key: 'a' })
    keyEvent(el('name'), 'keydown', { key: 'Unidentified', keyCode: 229 })
    keyEvent(el('name'), 'keydown', { key: 'Process', isComposing: true })
    pointer('pointerdown', { pointerType: 'touch', pointerId: 3 })
    pointer('pointerup', { pointerType: 'touch', pointerId: 3 })
    keyEvent(el('name'), 'keydown', { key: 'b' })
    pointer('pointermove', { pointerType: 'mouse' })
    keyEvent(el('name'), 'keydown', { key: 'c' })
    const keys = decodeKeys(recorder.snapshot().k)
    expect(keys.map((k) => k.modality)).toEqual([
      0,
      0,
      KEY_MODALITY.unidentified,
      KEY_MODALITY.unidentified | KEY_MODALITY.composing,
      KEY_MODALITY.touch,
      0,
    ])
    expect(keys.every((k) => k.field === 1)).toBe(true)
  })

  it('records input-type categories and composition steps, never data or values', () => {
    recorder = startRecording({ trustedOnly: false })
    const input = (inputType?: string, data = 'secret') => {
      ;(el('address') as HTMLInputElement).value = data
      el('address').dispatchEvent(
        inputType === undefined ? new Event('input', { bubbles: true }) : new InputEvent('input', { bubbles: true, inputType, data }),
      )
    }
    const composition = (type: string) => el('address').dispatchEvent(new CompositionEvent(type, { bubbles: true, data: 'とうきょう' }))
    input('insertText')
    input('deleteContentBackward')
    input('insertFromPaste')
    input('insertReplacementText')
    input('insertLineBreak')
    input(undefined)
    composition('compositionstart')
    composition('compositionupdate')
    input('insertCompositionText') // the composition events carry it
    composition('compositionupdate')
    composition('compositionend')
    const b = recorder.snapshot()
    expect(decodeInputs(b.i).map((e) => [e.field, e.type])).toEqual([
      [1, INPUT_EVENT.insert],
      [1, INPUT_EVENT.delete],
      [1, INPUT_EVENT.paste],
      [1, INPUT_EVENT.replacement],
      [1, INPUT_EVENT.other],
      [1, INPUT_EVENT.none],
      [1, INPUT_EVENT.compositionStart],
      [1, INPUT_EVENT.compositionUpdate],
      [1, INPUT_EVENT.compositionUpdate],
      [1, INPUT_EVENT.compositionEnd],
    ])
    expect(JSON.stringify(b)).not.toMatch(/secret|とうきょう/)
    // Text a key-down just produced is left out: stream k has it.
    keyEvent(el('address'), 'keydown', { key: 'Unidentified', keyCode: 229 })
    input('insertText')
    expect(decodeInputs(recorder.snapshot().i)).toHaveLength(10)
  })

  it('records touch and pen contacts: duration, pointers on the screen, size and pressure; not mouse clicks', async () => {
    recorder = startRecording({ trustedOnly: false })
    pointer('pointerdown', { pointerType: 'mouse', pointerId: 1 })
    pointer('pointerup', { pointerType: 'mouse', pointerId: 1 })
    pointer('pointerdown', { pointerType: 'touch', pointerId: 5, width: 24.4, height: 30.2, pressure: 0.42 })
    pointer('pointerdown', { pointerType: 'touch', pointerId: 6, width: 20, height: 20, pressure: 0.3 })
    await new Promise((resolve) => setTimeout(resolve, 30))
    pointer('pointerup', { pointerType: 'touch', pointerId: 6, width: 20, height: 20, pressure: 0 })
    pointer('pointerup', { pointerType: 'touch', pointerId: 5, width: 24.4, height: 30.2, pressure: 0 })
    pointer('pointerdown', { pointerType: 'pen', pointerId: 7 })
    pointer('pointercancel', { pointerType: 'pen', pointerId: 7 }) // a scroll, not a tap
    pointer('pointerup', { pointerType: 'pen', pointerId: 7 })
    const contacts = decodeContacts(recorder.snapshot().c)
    expect(contacts).toHaveLength(2)
    expect(contacts[0]).toMatchObject({ kind: 1, pointers: 1, size: 30 })
    expect(contacts[1]).toMatchObject({ kind: 1, pointers: 2, size: 20 })
    expect(contacts[0]!.duration).toBeGreaterThanOrEqual(25)
    expect(contacts[0]!.t).toBeLessThanOrEqual(contacts[1]!.t)
  })

  it('records orientation changes in stream v', () => {
    recorder = startRecording({ trustedOnly: false })
    window.dispatchEvent(new Event('orientationchange'))
    expect(decodeStream(recorder.snapshot().v, 2).map(([, type]) => type)).toEqual([VISIBILITY_EVENT.orientation])
  })
})

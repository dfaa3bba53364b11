// The behaviour recorder: timings of keys, pointer, focus, paste, scroll and visibility,
// input modality (on-screen keyboard, IME composition, input-event categories, touch
// contacts, on-screen keyboard opening, orientation), from the moment it starts. Listeners are passive and on `document`/`window` only; memory
// is bounded; key *values* and field *contents* are never read. See docs/protocol.md
// "Behaviour streams" for the encoding.
import {
  FORM_EVENT,
  formCode,
  INPUT_EVENT,
  inputCode,
  KEY_CATEGORY,
  keyCode,
  MAX_FIELD,
  POINTER_EVENT,
  pointerCode,
  VISIBILITY_EVENT,
} from '@kenchi/protocol'
import { startInputProbe } from './signals/input-probe.js'

export interface Recorder {
  /**
   * Limits field tracking to these inputs (elements or CSS selectors); other inputs then
   * count as "not a form field" (index 0). Without a call, every input, textarea, select
   * and contenteditable element is tracked. Can be called again to add more.
   */
  attach(...targets: Array<Element | string>): void
  /** The behaviour streams recorded so far, delta-encoded, for a token's `b` section. */
  snapshot(): Record<string, number[]>
  /** Removes every listener. A stopped recorder keeps what it has. */
  stop(): void
}

export interface RecorderOptions {
  /** Most key events kept (the oldest are dropped). Default 400. */
  maxKeys?: number
  /** Most clicks whose approach trajectory is kept. Default 6. */
  maxClicks?: number
  /** Most pointer moves kept before each click. Default 16. */
  movesPerClick?: number
  /** Least time between two recorded pointer moves, ms. Default 40. */
  moveInterval?: number
  /**
   * Ignore events a script dispatched (`isTrusted === false`), only counting them. Default
   * true; unit tests under a simulated DOM, where every event is untrusted, turn it off.
   */
  trustedOnly?: boolean
}

// A value change within this many ms after a key down counts as typed.
const TYPED_WINDOW_MS = 80

/** Key category of a keyboard event. Reads `key` only to classify it; nothing is kept. */
export function keyCategory(key: string): number {
  switch (key) {
    case 'Shift':
      return KEY_CATEGORY.shift
    case 'Control':
    case 'Alt':
    case 'AltGraph':
    case 'Meta':
    case 'CapsLock':
    case 'OS':
    case 'Fn':
      return KEY_CATEGORY.modifier
    case 'Backspace':
    case 'Delete':
      return KEY_CATEGORY.backspace
    case 'Enter':
      return KEY_CATEGORY.enter
    case ' ':
      return KEY_CATEGORY.space
    case 'Tab':
    case 'ArrowLeft':
    case 'ArrowRight':
    case 'ArrowUp':
    case 'ArrowDown':
    case 'Home':
    case 'End':
    case 'PageUp':
    case 'PageDown':
      return KEY_CATEGORY.navigation
  }
  if ([...key].length !== 1) return KEY_CATEGORY.other
  if (/\p{L}/u.test(key)) return KEY_CATEGORY.letter
  if (/\p{N}/u.test(key)) return KEY_CATEGORY.digit
  return KEY_CATEGORY.symbol
}

const now = () => Math.round(performance.now())

function isField(el: EventTarget | null): el is HTMLElement {
  if (!(el instanceof HTMLElement)) return false
  const tag = el.tagName
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable
}

function push(list: number[][], record: number[], max: number): void {
  list.push(record)
  if (list.length > max) list.shift()
}

/** Delta-encodes records whose first member is an absolute time (and, for the pointer, members 2–3 are positions). */
function encode(records: number[][], positions = false): number[] {
  const out: number[] = []
  let t = 0
  let x = 0
  let y = 0
  for (const r of records) {
    out.push(r[0]! - t, r[1]!)
    t = r[0]!
    if (positions) {
      out.push(r[2]! - x, r[3]! - y)
      x = r[2]!
      y = r[3]!
    }
  }
  return out
}

/**
 * Starts recording behaviour timings now. Call it as early as possible (before the user
 * can type); pass the recorder to `createKenchi({ recorder })`. Touches nothing at import time.
 */
export function startRecording(options: RecorderOptions = {}): Recorder {
  const maxKeys = options.maxKeys ?? 400
  const maxClicks = options.maxClicks ?? 6
  const movesPerClick = options.movesPerClick ?? 16
  const moveInterval = options.moveInterval ?? 40
  const trustedOnly = options.trustedOnly ?? true

  const keys: number[][] = []
  const form: number[][] = []
  const scroll: number[][] = []
  const visibility: number[][] = []
  const inputs: number[][] = []
  const contacts: number[][] = []
  // Open touch/pen contacts by pointer id: [start, pointers on the screen at the start].
  const open = new Map<number, number[]>()
  let touched = false
  let keyboardOpen = false
  let tallest = 0
  const clicks: number[][][] = []
  let approach: number[][] = []
  let lastMove = -Infinity
  let lastScroll = -Infinity
  let lastScrollY = 0
  let lastKeyDown = -Infinity
  let lastSubmit = -Infinity
  let untrusted = 0
  const fields = new WeakMap<Element, number>()
  let nextField = 1
  let only: Array<Element | string> | undefined

  function field(target: EventTarget | null): number {
    if (!isField(target)) return 0
    if (only && !only.some((t) => (typeof t === 'string' ? safeMatches(target, t) : t === target))) return 0
    let index = fields.get(target)
    if (index === undefined) {
      index = Math.min(nextField++, MAX_FIELD)
      fields.set(target, index)
    }
    return index
  }

  const formEvent = (target: EventTarget | null, type: number) => push(form, [now(), formCode(field(target), type)], 128)
  const inputEvent = (target: EventTarget | null, type: number) => push(inputs, [now(), inputCode(field(target), type)], 200)
  // KEY_MODALITY bits: 1 unidentified (229 / Unidentified / Process), 2 composing, 4 after a touch or with the on-screen keyboard open.
  const modality = (k: KeyboardEvent) =>
    (k.keyCode === 229 || k.key === 'Unidentified' || k.key === 'Process' ? 1 : 0) +
    (k.isComposing ? 2 : 0) +
    (touched || keyboardOpen ? 4 : 0)
  const pointerKind = (p: PointerEvent) => {
    const kind = p.pointerType === 'touch' ? 1 : p.pointerType === 'pen' ? 2 : 0
    touched = kind > 0
    return kind
  }

  const handlers: Record<string, (e: Event) => void> = {
    keydown(e) {
      const k = e as KeyboardEvent
      if (k.repeat) return
      lastKeyDown = now()
      push(keys, [lastKeyDown, keyCode(field(k.target), keyCategory(k.key ?? ''), false, modality(k))], maxKeys)
    },
    keyup(e) {
      const k = e as KeyboardEvent
      push(keys, [now(), keyCode(field(k.target), keyCategory(k.key ?? ''), true, modality(k))], maxKeys)
    },
    compositionstart: (e) => inputEvent(e.target, INPUT_EVENT.compositionStart),
    compositionupdate: (e) => inputEvent(e.target, INPUT_EVENT.compositionUpdate),
    compositionend: (e) => inputEvent(e.target, INPUT_EVENT.compositionEnd),
    focusin: (e) => formEvent(e.target, FORM_EVENT.focus),
    focusout: (e) => formEvent(e.target, FORM_EVENT.blur),
    paste: (e) => formEvent(e.target, FORM_EVENT.paste),
    input(e) {
      const inputType = (e as InputEvent).inputType
      const typed = now() - lastKeyDown <= TYPED_WINDOW_MS
      // The category of the input type only (INPUT_EVENT). Left out: composition steps (the
      // composition events carry them) and text a key-down just produced (stream k has it).
      if (inputType !== 'insertCompositionText' && !(typed && inputType === 'insertText'))
        inputEvent(
          e.target,
          !inputType
            ? INPUT_EVENT.none
            : inputType === 'insertText'
              ? INPUT_EVENT.insert
              : inputType === 'insertReplacementText'
                ? INPUT_EVENT.replacement
                : inputType.startsWith('delete')
                  ? INPUT_EVENT.delete
                  : inputType.startsWith('insertFrom') && inputType !== 'insertFromDictation'
                    ? INPUT_EVENT.paste
                    : INPUT_EVENT.other,
        )
      if (inputType === 'insertFromPaste' || inputType === 'insertFromDrop') return
      if (inputType === 'insertReplacementText' || autofilled(e.target)) formEvent(e.target, FORM_EVENT.autofill)
      else if (!typed) formEvent(e.target, FORM_EVENT.untypedInput)
    },
    submit() {
      const t = now()
      // The script-tag mode re-submits the form itself once the token is in: count the user's submit only.
      if (t - lastSubmit > 1000) push(form, [t, formCode(0, FORM_EVENT.submit)], 128)
      lastSubmit = t
    },
    pointermove(e) {
      const p = e as PointerEvent
      const t = now()
      if (t - lastMove < moveInterval) return
      lastMove = t
      push(approach, [t, pointerCode(pointerKind(p), POINTER_EVENT.move), Math.round(p.clientX), Math.round(p.clientY)], movesPerClick)
    },
    pointerdown(e) {
      const p = e as PointerEvent
      const kind = pointerKind(p)
      if (open.size > 9) open.clear() // releases the browser never sent: bounded memory
      if (kind) open.set(p.pointerId, [now(), open.size])
      approach.push([now(), pointerCode(kind, POINTER_EVENT.down), Math.round(p.clientX), Math.round(p.clientY)])
      clicks.push(approach)
      if (clicks.length > maxClicks) clicks.shift()
      approach = []
    },
    pointerup(e) {
      const p = e as PointerEvent
      const kind = pointerKind(p)
      const start = open.get(p.pointerId)
      open.delete(p.pointerId)
      // A touch or pen contact: start, (pointers − 1) × 4 + kind, duration, size, pressure × 100.
      if (start)
        push(
          contacts,
          [
            start[0]!,
            Math.min(start[1]!, 3) * 4 + kind,
            now() - start[0]!,
            Math.round(Math.max(p.width, p.height) || 0),
            Math.round((p.pressure || 0) * 100),
          ],
          32,
        )
      clicks.at(-1)?.push([now(), pointerCode(kind, POINTER_EVENT.up), Math.round(p.clientX), Math.round(p.clientY)])
    },
    pointercancel: (e) => open.delete((e as PointerEvent).pointerId),
    visibilitychange: () =>
      push(visibility, [now(), document.visibilityState === 'hidden' ? VISIBILITY_EVENT.hidden : VISIBILITY_EVENT.visible], 32),
  }
  const windowHandlers: Record<string, (e: Event) => void> = {
    scroll() {
      const t = now()
      if (t - lastScroll < 100) return
      lastScroll = t
      const y = Math.round(window.scrollY)
      push(scroll, [t, y - lastScrollY], 32)
      lastScrollY = y
    },
    blur: (e) => e.target === window && push(visibility, [now(), VISIBILITY_EVENT.blur], 32),
    focus: (e) => e.target === window && push(visibility, [now(), VISIBILITY_EVENT.focus], 32),
    orientationchange: () => push(visibility, [now(), VISIBILITY_EVENT.orientation], 32),
  }
  // The on-screen keyboard: the visual viewport losing 15 % of its tallest height at the same zoom.
  const viewport = window.visualViewport
  const resize = () => {
    const height = viewport!.height * viewport!.scale
    if (height > tallest) tallest = height
    const shrunk = height < tallest * 0.85
    if (shrunk !== keyboardOpen) push(visibility, [now(), shrunk ? VISIBILITY_EVENT.keyboardOpen : VISIBILITY_EVENT.keyboardClose], 32)
    keyboardOpen = shrunk
  }

  const wrap = (handler: (e: Event) => void) => (e: Event) => {
    if (trustedOnly && !e.isTrusted) {
      untrusted++
      return
    }
    try {
      handler(e)
    } catch {
      // recording must never break the page
    }
  }
  const listening: Array<[EventTarget, string, (e: Event) => void]> = []
  for (const [type, handler] of Object.entries(handlers)) listening.push([document, type, wrap(handler)])
  for (const [type, handler] of Object.entries(windowHandlers)) listening.push([window, type, wrap(handler)])
  if (viewport) {
    tallest = viewport.height * viewport.scale
    listening.push([viewport, 'resize', wrap(resize)])
  }
  for (const [target, type, listener] of listening) target.addEventListener(type, listener, { capture: true, passive: true })
  const probe = startInputProbe(trustedOnly)

  return {
    attach(...targets) {
      only = [...(only ?? []), ...targets]
    },
    snapshot() {
      const pointer = clicks.flat()
      const b: Record<string, number[]> = {}
      if (keys.length) b.k = encode(keys)
      if (form.length) b.f = encode(form)
      if (pointer.length) b.p = encode(pointer, true)
      if (scroll.length) b.s = encode(scroll)
      if (visibility.length) b.v = encode(visibility)
      if (inputs.length) b.i = encode(inputs)
      if (contacts.length) b.c = encodeContacts(contacts)
      const q = probe.take()
      if (q.length) b.q = q
      b.x = [now(), untrusted]
      return b
    },
    stop() {
      for (const [target, type, listener] of listening) target.removeEventListener(type, listener, { capture: true })
      probe.stop()
    },
  }
}

/** Stream `c`: contacts in start order, start times delta-encoded. */
function encodeContacts(records: number[][]): number[] {
  let t = 0
  return [...records]
    .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
    .flatMap((r) => {
      const out = [r[0]! - t, ...r.slice(1)]
      t = r[0]!
      return out
    })
}

function safeMatches(el: Element, selector: string): boolean {
  try {
    return el.matches(selector)
  } catch {
    return false
  }
}

function autofilled(el: EventTarget | null): boolean {
  if (!(el instanceof Element)) return false
  return safeMatches(el, ':autofill') || safeMatches(el, ':-webkit-autofill')
}

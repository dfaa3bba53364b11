// The behaviour recorder: timings of keys, pointer, focus, paste, scroll and visibility,
// from the moment it starts. Listeners are passive and on `document`/`window` only; memory
// is bounded; key *values* and field *contents* are never read. See docs/protocol.md
// "Behaviour streams" for the encoding.
import {
  FORM_EVENT,
  formCode,
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

  const handlers: Record<string, (e: Event) => void> = {
    keydown(e) {
      const k = e as KeyboardEvent
      if (k.repeat) return
      lastKeyDown = now()
      push(keys, [lastKeyDown, keyCode(field(k.target), keyCategory(k.key ?? ''), false)], maxKeys)
    },
    keyup(e) {
      const k = e as KeyboardEvent
      push(keys, [now(), keyCode(field(k.target), keyCategory(k.key ?? ''), true)], maxKeys)
    },
    focusin: (e) => formEvent(e.target, FORM_EVENT.focus),
    focusout: (e) => formEvent(e.target, FORM_EVENT.blur),
    paste: (e) => formEvent(e.target, FORM_EVENT.paste),
    input(e) {
      const inputType = (e as InputEvent).inputType
      if (inputType === 'insertFromPaste' || inputType === 'insertFromDrop') return
      if (inputType === 'insertReplacementText' || autofilled(e.target)) formEvent(e.target, FORM_EVENT.autofill)
      else if (now() - lastKeyDown > TYPED_WINDOW_MS) formEvent(e.target, FORM_EVENT.untypedInput)
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
      push(approach, [t, pointerCode(kind(p.pointerType), POINTER_EVENT.move), Math.round(p.clientX), Math.round(p.clientY)], movesPerClick)
    },
    pointerdown(e) {
      const p = e as PointerEvent
      approach.push([now(), pointerCode(kind(p.pointerType), POINTER_EVENT.down), Math.round(p.clientX), Math.round(p.clientY)])
      clicks.push(approach)
      if (clicks.length > maxClicks) clicks.shift()
      approach = []
    },
    pointerup(e) {
      const p = e as PointerEvent
      clicks.at(-1)?.push([now(), pointerCode(kind(p.pointerType), POINTER_EVENT.up), Math.round(p.clientX), Math.round(p.clientY)])
    },
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

function kind(pointerType: string): number {
  return pointerType === 'touch' ? 1 : pointerType === 'pen' ? 2 : 0
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

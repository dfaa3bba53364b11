// Behaviour streams: what the client's recorder puts in a token's `b` section, and the
// pure decoding both sides share. Every stream is a flat array of integers made of
// fixed-width records; the first member of every record is the time since the previous
// record of the same stream in ms (the first record's is the time since navigation start).
// See docs/protocol.md "Behaviour streams".

/** Key categories: the only thing recorded about a key. Never the key itself. */
export const KEY_CATEGORY = {
  other: 0,
  letter: 1,
  digit: 2,
  space: 3,
  shift: 4,
  modifier: 5,
  backspace: 6,
  navigation: 7,
  enter: 8,
  symbol: 9,
} as const
export type KeyCategory = (typeof KEY_CATEGORY)[keyof typeof KEY_CATEGORY]

/** Form event types in stream `f`. */
export const FORM_EVENT = {
  focus: 0,
  blur: 1,
  paste: 2,
  autofill: 3,
  /** The field's value changed with no key pressed just before (script, drag-and-drop, IME commit without key events). */
  untypedInput: 4,
  submit: 5,
} as const

/** Pointer event types in stream `p` (low two bits of the code). */
export const POINTER_EVENT = { move: 0, down: 1, up: 2 } as const
/** Pointer kinds in stream `p` (code >> 2). */
export const POINTER_KIND = { mouse: 0, touch: 1, pen: 2 } as const

/**
 * Visibility, window-focus and viewport events in stream `v`. `keyboardOpen` / `keyboardClose`:
 * the visual viewport lost / regained at least 15 % of its height at the same zoom (an
 * on-screen keyboard opening or closing); `orientation`: the screen orientation changed.
 */
export const VISIBILITY_EVENT = { hidden: 0, visible: 1, blur: 2, focus: 3, keyboardOpen: 4, keyboardClose: 5, orientation: 6 } as const

/**
 * Input modality bits of a key record (stream `k`, `code >> 10`). Old tokens have none
 * (codes under 1024): a physical keyboard. Categories and timings only, never the key.
 * - `unidentified`: `keyCode` 229 or `key` `Unidentified`/`Process` (on-screen keyboards on
 *   Android, IME processing);
 * - `composing`: `isComposing` was true (an IME composition was in progress);
 * - `touch`: the last press before the key was a touch or pen contact, or the on-screen
 *   keyboard was open (iOS delivers real keys from its on-screen keyboard).
 */
export const KEY_MODALITY = { unidentified: 1, composing: 2, touch: 4 } as const

/**
 * Input and composition events in stream `i` (`code = field × 16 + type`): the category of
 * the `input` event's `inputType`, and composition timing. Never the data or the value.
 */
export const INPUT_EVENT = {
  /** `insertText` with no key-down just before (swipe typing, dictation, text inserted without keys); text a key produced is not recorded. */
  insert: 0,
  /** `compositionupdate` (an IME conversion step: kana typed, candidate chosen). */
  compositionUpdate: 1,
  /** `delete…` input types (corrections). */
  delete: 2,
  /** `insertFromPaste`, `insertFromDrop`, `insertFromYank`… */
  paste: 3,
  /** `insertReplacementText`: autocorrect, a predictive suggestion, spell check, dictation, autofill on some engines. */
  replacement: 4,
  /** Any other input type (line break, undo, formatting, `insertFromDictation`…). */
  other: 5,
  /** No `inputType`: autofill, password managers, or a script setting the value. */
  none: 6,
  compositionStart: 7,
  compositionEnd: 8,
} as const

/** Pointer kinds of contact records in stream `c` (`code % 4`). */
export const CONTACT_KIND = { touch: 1, pen: 2 } as const

/** Record widths (integers per record) of the streams the reference client sends. */
export const STREAM_WIDTH = { k: 2, f: 2, p: 4, s: 2, v: 2, x: 1, i: 2, c: 5, q: 2 } as const

/** Highest field index; fields are numbered 1.. in order of first interaction, 0 = not a form field. */
export const MAX_FIELD = 31

/** Packs a key record's code: `modality * 1024 + field * 32 + category * 2 + (up ? 1 : 0)` (`modality`: `KEY_MODALITY` bits, 0 = physical keyboard). */
export const keyCode = (field: number, category: number, up: boolean, modality = 0): number =>
  modality * 1024 + field * 32 + category * 2 + (up ? 1 : 0)
/** Packs an input record's code (stream `i`): `field * 16 + type` (`INPUT_EVENT`). */
export const inputCode = (field: number, type: number): number => field * 16 + type
/** Packs a form record's code: `field * 8 + type`. */
export const formCode = (field: number, type: number): number => field * 8 + type
/** Packs a pointer record's code: `kind * 4 + type`. */
export const pointerCode = (kind: number, type: number): number => kind * 4 + type

/**
 * Splits a delta-encoded stream into records with absolute times (ms since navigation
 * start). `width` is the record width; a trailing partial record is dropped. For the
 * pointer stream, positions are delta-encoded too (members 2 and 3) and are made absolute.
 */
export function decodeStream(stream: readonly number[] | undefined, width: number, deltaPositions = false): number[][] {
  const out: number[][] = []
  if (!Array.isArray(stream) || width < 1) return out
  let time = 0
  let x = 0
  let y = 0
  for (let i = 0; i + width <= stream.length; i += width) {
    const record = stream.slice(i, i + width)
    time += record[0]!
    record[0] = time
    if (deltaPositions && width >= 4) {
      x += record[2]!
      y += record[3]!
      record[2] = x
      record[3] = y
    }
    out.push(record)
  }
  return out
}

/** One key event, decoded. */
export interface KeyEvent {
  /** ms since navigation start. */
  t: number
  field: number
  category: number
  up: boolean
  /** `KEY_MODALITY` bits (0 = physical keyboard; always 0 in tokens of clients before modality). */
  modality: number
}

/** Decodes stream `k`. Codes under 1024 (every token before modality bits) decode as before. */
export function decodeKeys(stream: readonly number[] | undefined): KeyEvent[] {
  return decodeStream(stream, STREAM_WIDTH.k).map(([t, code]) => {
    const base = code! >= 1024 ? code! % 1024 : code!
    return {
      t: t!,
      field: Math.floor(base / 32),
      category: Math.floor((base % 32) / 2),
      up: base % 2 === 1,
      modality: code! >= 1024 ? Math.floor(code! / 1024) % 8 : 0,
    }
  })
}

/** One input or composition event (stream `i`), decoded. */
export interface InputRecord {
  t: number
  field: number
  /** `INPUT_EVENT` type. */
  type: number
}

/** Decodes stream `i`. */
export function decodeInputs(stream: readonly number[] | undefined): InputRecord[] {
  return decodeStream(stream, STREAM_WIDTH.i).map(([t, code]) => ({ t: t!, field: Math.floor(code! / 16), type: code! % 16 }))
}

/** One touch or pen contact (stream `c`), decoded. */
export interface ContactRecord {
  /** Contact start, ms since navigation start. */
  t: number
  /** `CONTACT_KIND`. */
  kind: number
  /** Contacts on the screen at the start, this one included (1–4, 4 = four or more). */
  pointers: number
  /** Contact duration (down to up), ms. */
  duration: number
  /** Larger of the contact's width and height, CSS px (0 when the browser gives none). */
  size: number
  /** Pressure × 100 (0 when the browser gives none). */
  pressure: number
}

/** Decodes stream `c` (`code = (pointers − 1) × 4 + kind`). */
export function decodeContacts(stream: readonly number[] | undefined): ContactRecord[] {
  return decodeStream(stream, STREAM_WIDTH.c).map(([t, code, duration, size, pressure]) => ({
    t: t!,
    kind: code! % 4,
    pointers: Math.floor(code! / 4) + 1,
    duration: duration!,
    size: size!,
    pressure: pressure!,
  }))
}

/** One pointer event, decoded, with absolute CSS-pixel position. */
export interface PointerRecord {
  t: number
  type: number
  kind: number
  x: number
  y: number
}

/** Decodes stream `p`. */
export function decodePointer(stream: readonly number[] | undefined): PointerRecord[] {
  return decodeStream(stream, STREAM_WIDTH.p, true).map(([t, code, x, y]) => ({
    t: t!,
    type: code! % 4,
    kind: Math.floor(code! / 4),
    x: x!,
    y: y!,
  }))
}

/** Highest valid code in stream `q` (`digit × 2 + source`, digit 0–9, source 0–1). */
export const INPUT_CLOCK_MAX_CODE = 19
/** Input sources in stream `q` (low bit of the code). */
export const INPUT_CLOCK_SOURCE = { mouse: 0, key: 1 } as const

/** One record of stream `q`, decoded. */
export interface InputClockRecord {
  /** ms since navigation start. */
  t: number
  /** Tenths digit of the event's `timeStamp` (its value in 0.1 ms, modulo 10): 0–9. */
  digit: number
  /** `INPUT_CLOCK_SOURCE`: 0 mouse pointer event, 1 key event. */
  source: number
}

/**
 * Decodes stream `q` (the input-clock probe). Records whose code is not an integer in
 * 0–`INPUT_CLOCK_MAX_CODE` are dropped, so a hostile stream decodes to fewer records,
 * never to out-of-range ones.
 */
export function decodeInputClock(stream: readonly number[] | undefined): InputClockRecord[] {
  const out: InputClockRecord[] = []
  for (const [t, code] of decodeStream(stream, STREAM_WIDTH.q)) {
    if (!Number.isInteger(code) || code! < 0 || code! > INPUT_CLOCK_MAX_CODE) continue
    out.push({ t: t!, digit: code! >> 1, source: code! & 1 })
  }
  return out
}

/** One form event, decoded. */
export interface FormEvent {
  t: number
  field: number
  type: number
}

/** Decodes stream `f`. */
export function decodeForm(stream: readonly number[] | undefined): FormEvent[] {
  return decodeStream(stream, STREAM_WIDTH.f).map(([t, code]) => ({ t: t!, field: Math.floor(code! / 8), type: code! % 8 }))
}

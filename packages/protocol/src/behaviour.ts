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
export const keyCode = (field: number, category: number, up: boolean, modality = 0): number => modality * 1024 + field * 32 + category * 2 + (up ? 1 : 0)
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

/** Summary statistics of a sample; all `0` for an empty one. */
export interface Stats {
  n: number
  mean: number
  sd: number
  min: number
  median: number
  max: number
}

export function stats(values: readonly number[]): Stats {
  const n = values.length
  if (n === 0) return { n: 0, mean: 0, sd: 0, min: 0, median: 0, max: 0 }
  const sorted = [...values].sort((a, b) => a - b)
  const mean = values.reduce((a, b) => a + b, 0) / n
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n
  const mid = n >> 1
  const median = n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { n, mean: round(mean), sd: round(Math.sqrt(variance)), min: sorted[0]!, median: round(median), max: sorted[n - 1]! }
}

const round = (x: number) => Math.round(x * 100) / 100

/** First set of behaviour features; a later version adds more, never renames these. */
export interface BehaviourFeatures {
  keys: {
    /** Key-down events (auto-repeats are not recorded). */
    downs: number
    /** Key hold times (down to matching up of the same field and category), ms. */
    hold: Stats
    /** Down-to-down latencies between consecutive key downs, ms. */
    downDown: Stats
    /** Up-to-next-down latencies, ms; negative when the next key went down before the last came up. */
    upDown: Stats
    /** Key downs that happened while another key was still held (excluding Shift/modifiers held on purpose). */
    rollover: number
    /** Downs per category, indexed by `KEY_CATEGORY`. */
    categories: number[]
    /** Upper-case-looking typing: Shift downs. */
    shiftDowns: number
    backspaces: number
  }
  pointer: {
    /** Number of pointer-down events. */
    downs: number
    /** Pointer moves recorded (sampled). */
    moves: number
    /** Path length of the trajectories before each down, CSS px. */
    pathLength: number
    /** Mean straightness of those trajectories: straight-line distance / path length, 0–1 (1 = ruler-straight). */
    straightness: number
    /** Mean speed over the trajectories, px/ms. */
    speed: Stats
    /** Down-to-up durations (click holds), ms. */
    clickHold: Stats
    /** Touch events among the downs. */
    touchDowns: number
  }
  form: {
    focuses: number
    pastes: number
    autofills: number
    /** Value changes with no key pressed just before: scripted filling looks like this. */
    untypedInputs: number
    /** Time from navigation start to the first submit, ms, or -1 if no submit was recorded. */
    timeToSubmit: number
    /** Time from the first focus of any field to the first submit, ms, or -1. */
    focusToSubmit: number
    /** Distinct fields interacted with. */
    fields: number
  }
  page: {
    scrolls: number
    hidden: number
    windowBlurs: number
    /** Time from navigation start to the token, ms (stream `x`, member 0), or -1. */
    timeToToken: number
    /** Untrusted (script-dispatched) events the recorder ignored (stream `x`, member 1). */
    untrusted: number
  }
}

const NO_ROLLOVER = new Set<number>([KEY_CATEGORY.shift, KEY_CATEGORY.modifier])

/**
 * Decodes the behaviour section of a token and computes the first set of typing,
 * pointer and form-timing features. Pure and total: any object of integer arrays,
 * including hostile ones, gives features (missing streams count as empty).
 */
export function extractFeatures(b: Readonly<Record<string, readonly number[]>> | undefined): BehaviourFeatures {
  const streams = b ?? {}
  const keys = decodeKeys(streams.k)
  const pointer = decodePointer(streams.p)
  const form = decodeForm(streams.f)
  const visibility = decodeStream(streams.v, STREAM_WIDTH.v)
  const scroll = decodeStream(streams.s, STREAM_WIDTH.s)
  const extra = Array.isArray(streams.x) ? streams.x : []

  // Keys: pair each down with the next up of the same field and category.
  const held = new Map<number, number>()
  const hold: number[] = []
  const downDown: number[] = []
  const upDown: number[] = []
  const categories = Array<number>(10).fill(0)
  let lastDown = -1
  let lastUp = -1
  let rollover = 0
  let downs = 0
  for (const e of keys) {
    const id = e.field * 32 + e.category
    if (!e.up) {
      downs++
      if (e.category < categories.length) categories[e.category]!++
      if (lastDown >= 0) downDown.push(e.t - lastDown)
      if (lastUp >= 0) upDown.push(e.t - lastUp)
      if (!NO_ROLLOVER.has(e.category) && [...held.keys()].some((k) => !NO_ROLLOVER.has(k % 32))) rollover++
      held.set(id, e.t)
      lastDown = e.t
    } else {
      const start = held.get(id)
      if (start !== undefined) {
        hold.push(e.t - start)
        held.delete(id)
      }
      lastUp = e.t
    }
  }

  // Pointer: a trajectory is the run of moves before each down.
  let pathLength = 0
  const straightness: number[] = []
  const speeds: number[] = []
  const clickHold: number[] = []
  let run: PointerRecord[] = []
  let lastPointerDown: PointerRecord | undefined
  let pointerDowns = 0
  let touchDowns = 0
  let moves = 0
  for (const e of pointer) {
    if (e.type === POINTER_EVENT.move) {
      moves++
      run.push(e)
      continue
    }
    if (e.type === POINTER_EVENT.down) {
      pointerDowns++
      if (e.kind === POINTER_KIND.touch) touchDowns++
      const path = [...run, e]
      if (path.length >= 3) {
        let length = 0
        for (let i = 1; i < path.length; i++) length += Math.hypot(path[i]!.x - path[i - 1]!.x, path[i]!.y - path[i - 1]!.y)
        const direct = Math.hypot(e.x - path[0]!.x, e.y - path[0]!.y)
        const duration = e.t - path[0]!.t
        pathLength += length
        if (length > 0) straightness.push(direct / length)
        if (duration > 0) speeds.push(length / duration)
      }
      lastPointerDown = e
    } else if (e.type === POINTER_EVENT.up && lastPointerDown) {
      clickHold.push(e.t - lastPointerDown.t)
      lastPointerDown = undefined
    }
    run = []
  }

  const count = (type: number) => form.filter((e) => e.type === type).length
  const firstSubmit = form.find((e) => e.type === FORM_EVENT.submit)
  const firstFocus = form.find((e) => e.type === FORM_EVENT.focus)
  const fields = new Set([...form.map((e) => e.field), ...keys.map((e) => e.field)].filter((f) => f > 0))

  return {
    keys: {
      downs,
      hold: stats(hold),
      downDown: stats(downDown),
      upDown: stats(upDown),
      rollover,
      categories,
      shiftDowns: categories[KEY_CATEGORY.shift]!,
      backspaces: categories[KEY_CATEGORY.backspace]!,
    },
    pointer: {
      downs: pointerDowns,
      moves,
      pathLength: Math.round(pathLength),
      straightness: straightness.length ? round(straightness.reduce((a, b) => a + b, 0) / straightness.length) : 0,
      speed: stats(speeds.map(round)),
      clickHold: stats(clickHold),
      touchDowns,
    },
    form: {
      focuses: count(FORM_EVENT.focus),
      pastes: count(FORM_EVENT.paste),
      autofills: count(FORM_EVENT.autofill),
      untypedInputs: count(FORM_EVENT.untypedInput),
      timeToSubmit: firstSubmit ? firstSubmit.t : -1,
      focusToSubmit: firstSubmit && firstFocus ? firstSubmit.t - firstFocus.t : -1,
      fields: fields.size,
    },
    page: {
      scrolls: scroll.length,
      hidden: visibility.filter(([, type]) => type === VISIBILITY_EVENT.hidden).length,
      windowBlurs: visibility.filter(([, type]) => type === VISIBILITY_EVENT.blur).length,
      timeToToken: typeof extra[0] === 'number' ? extra[0] : -1,
      untrusted: typeof extra[1] === 'number' ? extra[1] : 0,
    },
  }
}

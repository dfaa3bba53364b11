// Timing features of behaviour streams: the finer typing and pointer measurements the
// behaviour rules (scripted input, replay, typing profile) and the benchmarks share
// (docs/behaviour.md). Pure functions over decoded streams; hostile input gives features,
// never an exception. Internal to the server (the benchmarks load it from source).
import {
  decodeContacts,
  decodeForm,
  decodeInputs,
  decodeKeys,
  decodePointer,
  decodeStream,
  FORM_EVENT,
  INPUT_EVENT,
  KEY_CATEGORY,
  KEY_MODALITY,
  POINTER_EVENT,
  POINTER_KIND,
  STREAM_WIDTH,
  VISIBILITY_EVENT,
  type KeyEvent,
  type PointerRecord,
} from '@kenchi/protocol'

/** Shape of a sample: moments plus robust spread. All 0 for fewer than 2 values. */
export interface Shape {
  n: number
  mean: number
  sd: number
  /** sd / mean, 0 when the mean is 0. */
  cv: number
  median: number
  /** Interquartile range. */
  iqr: number
  /** Sample skewness (third standardised moment). */
  skew: number
  /** Sample kurtosis (fourth standardised moment; 3 for a normal, 1.8 for a uniform). */
  kurtosis: number
}

const r3 = (x: number) => Math.round(x * 1000) / 1000

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export function shape(values: readonly number[]): Shape {
  const n = values.length
  if (n < 2) return { n, mean: n ? values[0]! : 0, sd: 0, cv: 0, median: n ? values[0]! : 0, iqr: 0, skew: 0, kurtosis: 0 }
  const mean = values.reduce((a, b) => a + b, 0) / n
  let m2 = 0
  let m3 = 0
  let m4 = 0
  for (const v of values) {
    const d = v - mean
    m2 += d * d
    m3 += d * d * d
    m4 += d * d * d * d
  }
  m2 /= n
  m3 /= n
  m4 /= n
  const sd = Math.sqrt(m2)
  const sorted = [...values].sort((a, b) => a - b)
  return {
    n,
    mean: r3(mean),
    sd: r3(sd),
    cv: mean !== 0 ? r3(sd / Math.abs(mean)) : 0,
    median: r3(quantile(sorted, 0.5)),
    iqr: r3(quantile(sorted, 0.75) - quantile(sorted, 0.25)),
    skew: m2 > 0 ? r3(m3 / m2 ** 1.5) : 0,
    kurtosis: m2 > 0 ? r3(m4 / (m2 * m2)) : 0,
  }
}

/** Typing timing features of stream `k` (key categories and times only). */
export interface TypingTiming {
  /** Key-downs of typing keys (everything but Shift and other modifiers). */
  downs: number
  /** Hold times (down to matching up), ms. */
  hold: Shape
  /** Down-to-down latencies between consecutive typing-key downs in the same field, ms. */
  downDown: Shape
  /** Up-to-down latencies (previous key's up to the next key's down, same field), ms; negative = rollover. */
  upDown: Shape
  /** Share of typing-key downs pressed while another typing key was still held (0–1). */
  rolloverRate: number
  /** Share of up-to-down latencies in 0–6 ms: the next key exactly as the last comes up, as `keyboard.type` does. */
  tinyGapRate: number
  /** Share of consecutive down-to-down latencies whose difference is under 3 ms (metronome regularity). */
  steadyRate: number
  /** Longest latency ÷ median latency (0 under 2 latencies): people hesitate now and then, random delays rarely do. */
  tailRatio: number
  /** Standard deviation of the logarithms of the latencies (0 under 2 latencies). */
  latencyLogSd: number
  /** Shift downs, and typing-key downs while Shift was held. */
  shiftDowns: number
  shiftedDowns: number
  /** Backspace/delete downs (corrections). */
  corrections: number
  /** Down-to-down latencies over 1 s within a field (pauses to think or look). */
  pauses: number
  /** Hold times, in order (for profiles and replay checks). */
  holds: number[]
  /** Down-to-down latencies, in order. */
  latencies: number[]
}

const MODIFIERS = new Set<number>([KEY_CATEGORY.shift, KEY_CATEGORY.modifier])

/** Typing timing from decoded key events. */
export function typingTiming(keys: readonly KeyEvent[]): TypingTiming {
  const held = new Map<number, number>()
  const holds: number[] = []
  const latencies: number[] = []
  let downs = 0
  let rollovers = 0
  let shiftDowns = 0
  let shiftedDowns = 0
  let corrections = 0
  let pauses = 0
  let shiftHeld = false
  let lastDown: KeyEvent | undefined
  for (const e of keys) {
    const id = e.field * 32 + e.category
    if (e.category === KEY_CATEGORY.shift) {
      if (!e.up) shiftDowns++
      shiftHeld = !e.up
      continue
    }
    if (MODIFIERS.has(e.category)) continue
    if (!e.up) {
      downs++
      if (e.category === KEY_CATEGORY.backspace) corrections++
      if (shiftHeld) shiftedDowns++
      if (held.size > 0) rollovers++
      if (lastDown && lastDown.field === e.field) {
        const dd = e.t - lastDown.t
        latencies.push(dd)
        if (dd > 1000) pauses++
      }
      held.set(id, e.t)
      lastDown = e
    } else {
      const start = held.get(id)
      if (start !== undefined) {
        holds.push(e.t - start)
        held.delete(id)
      }
    }
  }
  // Up-to-down: for each typing down, the previous typing down's release (negative = rollover).
  const fixed: number[] = []
  {
    const downsList: { t: number; up?: number; field: number }[] = []
    const open = new Map<number, { t: number; up?: number; field: number }>()
    for (const e of keys) {
      if (MODIFIERS.has(e.category)) continue
      const id = e.field * 32 + e.category
      if (!e.up) {
        const d = { t: e.t, field: e.field } as { t: number; up?: number; field: number }
        downsList.push(d)
        open.set(id, d)
      } else {
        const d = open.get(id)
        if (d) {
          d.up = e.t
          open.delete(id)
        }
      }
    }
    for (let i = 1; i < downsList.length; i++) {
      const a = downsList[i - 1]!
      const b = downsList[i]!
      if (a.field === b.field && a.up !== undefined) fixed.push(b.t - a.up)
    }
  }
  const lat = shape(latencies)
  let steady = 0
  for (let i = 1; i < latencies.length; i++) if (Math.abs(latencies[i]! - latencies[i - 1]!) < 3) steady++
  return {
    downs,
    hold: shape(holds),
    downDown: lat,
    upDown: shape(fixed),
    rolloverRate: downs ? r3(rollovers / downs) : 0,
    tinyGapRate: fixed.length ? r3(fixed.filter((g) => g >= 0 && g <= 6).length / fixed.length) : 0,
    steadyRate: latencies.length > 1 ? r3(steady / (latencies.length - 1)) : 0,
    tailRatio: latencies.length > 1 && lat.median > 0 ? r3(Math.max(...latencies) / lat.median) : 0,
    latencyLogSd: latencies.length > 1 ? shape(latencies.map((l) => Math.log(Math.max(l, 1)))).sd : 0,
    shiftDowns,
    shiftedDowns,
    corrections,
    pauses,
    holds,
    latencies,
  }
}

/** Features of one pointer approach: the moves recorded before a press, the press and its release. */
export interface Approach {
  kind: number
  /** Moves in the approach. */
  moves: number
  /** Path length, CSS px. */
  length: number
  /** Straight distance from the first move to the press, CSS px. */
  distance: number
  /** distance / length, 0–1 (1 = ruler-straight); 0 if no path. */
  straightness: number
  /** Duration from the first move to the press, ms. */
  duration: number
  /** Mean speed px/ms. */
  speed: number
  /** Coefficient of variation of the time steps between moves (sampling regularity). */
  stepCv: number
  /** Coefficient of variation of the step lengths. */
  stepLengthCv: number
  /** Mean absolute change of speed between steps divided by mean speed (acceleration roughness). */
  accelRoughness: number
  /** Mean absolute second difference of speed divided by mean speed (jerk). */
  jerk: number
  /** Mean absolute turning angle between steps, radians (curvature). */
  turning: number
  /** Largest distance the path went past the target along the approach direction, px (overshoot). */
  overshoot: number
  /** Time from the last move to the press, ms (dwell on arrival). */
  arrivalToPress: number
  /** Press to release, ms, or -1. */
  hold: number
}

/** Splits stream `p` into approaches and measures each. */
export function pointerApproaches(records: readonly PointerRecord[]): Approach[] {
  const out: Approach[] = []
  let run: PointerRecord[] = []
  let pending: Approach | undefined
  let pendingDown: PointerRecord | undefined
  for (const e of records) {
    if (e.type === POINTER_EVENT.move) {
      run.push(e)
      continue
    }
    if (e.type === POINTER_EVENT.down) {
      pending = measure(run, e)
      pendingDown = e
      out.push(pending)
    } else if (e.type === POINTER_EVENT.up && pending && pendingDown) {
      pending.hold = e.t - pendingDown.t
      pending = undefined
    }
    run = []
  }
  return out
}

function measure(run: readonly PointerRecord[], down: PointerRecord): Approach {
  const path = [...run, down]
  const steps: { dt: number; len: number; ang: number }[] = []
  for (let i = 1; i < run.length; i++) {
    const a = run[i - 1]!
    const b = run[i]!
    steps.push({ dt: b.t - a.t, len: Math.hypot(b.x - a.x, b.y - a.y), ang: Math.atan2(b.y - a.y, b.x - a.x) })
  }
  let length = 0
  for (let i = 1; i < path.length; i++) length += Math.hypot(path[i]!.x - path[i - 1]!.x, path[i]!.y - path[i - 1]!.y)
  const first = path[0]!
  const distance = Math.hypot(down.x - first.x, down.y - first.y)
  const duration = down.t - first.t
  const speeds = steps.filter((s) => s.dt > 0).map((s) => s.len / s.dt)
  const meanSpeed = speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : 0
  let accel = 0
  for (let i = 1; i < speeds.length; i++) accel += Math.abs(speeds[i]! - speeds[i - 1]!)
  let jerk = 0
  for (let i = 2; i < speeds.length; i++) jerk += Math.abs(speeds[i]! - 2 * speeds[i - 1]! + speeds[i - 2]!)
  let turning = 0
  let turns = 0
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]!.len === 0 || steps[i - 1]!.len === 0) continue
    let d = Math.abs(steps[i]!.ang - steps[i - 1]!.ang)
    if (d > Math.PI) d = 2 * Math.PI - d
    turning += d
    turns++
  }
  // Overshoot: projection of each point beyond the target along first→target.
  let overshoot = 0
  if (distance > 0) {
    const ux = (down.x - first.x) / distance
    const uy = (down.y - first.y) / distance
    for (const p of run) overshoot = Math.max(overshoot, (p.x - first.x) * ux + (p.y - first.y) * uy - distance)
  }
  const last = run[run.length - 1]
  return {
    kind: down.kind,
    moves: run.length,
    length: Math.round(length),
    distance: Math.round(distance),
    straightness: length > 0 ? r3(Math.min(1, distance / length)) : 0,
    duration,
    speed: r3(meanSpeed),
    stepCv: shape(steps.map((s) => s.dt)).cv,
    stepLengthCv: shape(steps.map((s) => s.len)).cv,
    accelRoughness: meanSpeed > 0 && speeds.length > 1 ? r3(accel / (speeds.length - 1) / meanSpeed) : 0,
    jerk: meanSpeed > 0 && speeds.length > 2 ? r3(jerk / (speeds.length - 2) / meanSpeed) : 0,
    turning: turns ? r3(turning / turns) : 0,
    overshoot: Math.round(overshoot),
    arrivalToPress: last ? down.t - last.t : -1,
    hold: -1,
  }
}

/** Form timing: how the fields were filled. */
export interface FormTiming {
  focuses: number
  pastes: number
  autofills: number
  untypedInputs: number
  /** ms between consecutive focus events (moving from field to field). */
  focusGaps: number[]
  /** First focus to first submit, ms, or -1. */
  focusToSubmit: number
}

export function formTiming(f: readonly number[] | undefined): FormTiming {
  const form = decodeForm(f)
  const focusTimes = form.filter((e) => e.type === FORM_EVENT.focus).map((e) => e.t)
  const submit = form.find((e) => e.type === FORM_EVENT.submit)
  const count = (type: number) => form.filter((e) => e.type === type).length
  return {
    focuses: focusTimes.length,
    pastes: count(FORM_EVENT.paste),
    autofills: count(FORM_EVENT.autofill),
    untypedInputs: count(FORM_EVENT.untypedInput),
    focusGaps: focusTimes.slice(1).map((t, i) => t - focusTimes[i]!),
    focusToSubmit: submit && focusTimes.length ? submit.t - focusTimes[0]! : -1,
  }
}

/** IME composition timing (stream `i`). */
export interface CompositionTiming {
  /** `compositionstart` events. */
  sessions: number
  /** `compositionupdate` events. */
  updates: number
  /** Intervals between consecutive updates of one composition (kana typed, candidates chosen), ms, in order. */
  intervals: number[]
  /** Shape of `intervals`. */
  interval: Shape
}

/** Touch and pen contacts (stream `c`). */
export interface ContactTiming {
  n: number
  /** Contact durations, ms, in order. */
  durations: number[]
  duration: Shape
  /** Contacts that started while another was on the screen. */
  multiTouch: number
  /** Contacts with a size / a pressure reported. */
  sized: number
  pressured: number
}

/** How a key was produced, from its `KEY_MODALITY` bits. */
export const KEY_MODE = { physical: 0, onScreen: 1, ime: 2 } as const

/** The mode of a key event: IME if composing, on-screen if unidentified or after a touch, else physical. */
export function keyMode(modality: number): number {
  if (modality & KEY_MODALITY.composing) return KEY_MODE.ime
  if (modality & (KEY_MODALITY.unidentified | KEY_MODALITY.touch)) return KEY_MODE.onScreen
  return KEY_MODE.physical
}

/** Typing split by input modality, input-event categories, composition, contacts and viewport (docs/behaviour.md "Modalities"). */
export interface ModalityTiming {
  /** Keys from a physical keyboard (no modality bit, or `unidentified` with no sign of a touch device; every key of an old token). */
  physical: TypingTiming
  /** Keys from an on-screen keyboard (`touch`, or `unidentified` in a token that shows a touch device; not composing). */
  onScreen: TypingTiming
  /** Key events during an IME composition. */
  imeKeys: number
  /** `input` events by `INPUT_EVENT` category. */
  inputs: { insert: number; delete: number; paste: number; replacement: number; other: number; none: number }
  composition: CompositionTiming
  contacts: ContactTiming
  /** On-screen keyboard openings (visual viewport shrinking) and orientation changes. */
  keyboardOpens: number
  orientationChanges: number
}

export function modalityTiming(streams: Readonly<Record<string, readonly number[]>>): ModalityTiming {
  const keys = decodeKeys(streams.k)
  const inputs = decodeInputs(streams.i)
  const contacts = decodeContacts(streams.c)
  const v = decodeStream(streams.v, STREAM_WIDTH.v)
  const count = (type: number) => inputs.filter((e) => e.type === type).length
  const intervals: number[] = []
  let last = -1
  for (const e of inputs) {
    if (e.type === INPUT_EVENT.compositionStart || e.type === INPUT_EVENT.compositionEnd) last = -1
    else if (e.type === INPUT_EVENT.compositionUpdate) {
      if (last >= 0) intervals.push(e.t - last)
      last = e.t
    }
  }
  const durations = contacts.map((c) => c.duration)
  const keyboardOpens = v.filter(([, type]) => type === VISIBILITY_EVENT.keyboardOpen).length
  // An unidentified key (229) is an on-screen keyboard's only on a touch device: with no touch
  // contact, touch press or keyboard opening in the token it is judged as a physical key
  // (desktop IME keys are physical; a script sending 229 keys gains nothing).
  const touchDevice = contacts.length > 0 || keyboardOpens > 0 || decodePointer(streams.p).some((e) => e.kind !== POINTER_KIND.mouse)
  const mode = (modality: number) => {
    const m = keyMode(modality)
    return m === KEY_MODE.onScreen && !touchDevice && !(modality & KEY_MODALITY.touch) ? KEY_MODE.physical : m
  }
  return {
    physical: typingTiming(keys.filter((e) => mode(e.modality) === KEY_MODE.physical)),
    onScreen: typingTiming(keys.filter((e) => mode(e.modality) === KEY_MODE.onScreen)),
    imeKeys: keys.filter((e) => mode(e.modality) === KEY_MODE.ime).length,
    inputs: {
      insert: count(INPUT_EVENT.insert),
      delete: count(INPUT_EVENT.delete),
      paste: count(INPUT_EVENT.paste),
      replacement: count(INPUT_EVENT.replacement),
      other: count(INPUT_EVENT.other),
      none: count(INPUT_EVENT.none),
    },
    composition: {
      sessions: count(INPUT_EVENT.compositionStart),
      updates: count(INPUT_EVENT.compositionUpdate),
      intervals,
      interval: shape(intervals),
    },
    contacts: {
      n: contacts.length,
      durations,
      duration: shape(durations),
      multiTouch: contacts.filter((c) => c.pointers > 1).length,
      sized: contacts.filter((c) => c.size > 0).length,
      pressured: contacts.filter((c) => c.pressure > 0).length,
    },
    keyboardOpens,
    orientationChanges: v.filter(([, type]) => type === VISIBILITY_EVENT.orientation).length,
  }
}

/** All timing features of a token's behaviour section. */
export interface TimingFeatures {
  /** Every key, whatever its modality (profiles and replay checks use this). */
  typing: TypingTiming
  approaches: Approach[]
  form: FormTiming
  /** Touch presses among the approaches. */
  touches: number
  /** Typing split by modality, input categories, composition, contacts, viewport. */
  modality: ModalityTiming
}

export function extractTiming(b: Readonly<Record<string, readonly number[]>> | undefined): TimingFeatures {
  const streams = b ?? {}
  const approaches = pointerApproaches(decodePointer(streams.p))
  return {
    typing: typingTiming(decodeKeys(streams.k)),
    approaches,
    form: formTiming(streams.f),
    touches: approaches.filter((a) => a.kind === POINTER_KIND.touch).length,
    modality: modalityTiming(streams),
  }
}

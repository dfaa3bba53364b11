// Behaviour stream builders shared by bench/behaviour.mjs and the unit tests: human data
// converted into the client's stream format, and bot input generators (Playwright /
// Puppeteer `keyboard.type` with fixed and random delays, straight and Bezier mouse paths,
// ghost-cursor paths with its own timestamps). Nothing here contains recorded data.
import { path as ghostPath } from 'ghost-cursor'

const KEY = (field, category, up, modality = 0) => modality * 1024 + field * 32 + category * 2 + (up ? 1 : 0)

/** Category of a DOM keyCode (the client records only this). */
export function categoryOfKeyCode(code) {
  if (code === 16) return 4
  if ([17, 18, 20, 91, 92, 93, 225].includes(code)) return 5
  if (code === 8 || code === 46) return 6
  if (code === 9 || (code >= 33 && code <= 40)) return 7
  if (code === 13) return 8
  if (code === 32) return 3
  if (code >= 48 && code <= 57) return 2
  if (code >= 96 && code <= 105) return 2
  if (code >= 65 && code <= 90) return 1
  if ((code >= 186 && code <= 222) || (code >= 106 && code <= 111)) return 9
  return 0
}

/** Key events [{t, category, up, field?}] → stream `k` (sorted by time, delta-encoded). */
export function encodeKeys(events) {
  const sorted = [...events].sort((a, b) => a.t - b.t || (a.up === b.up ? 0 : a.up ? -1 : 1))
  const k = []
  let last = 0
  for (const e of sorted) {
    const t = Math.round(e.t)
    k.push(t - last, KEY(e.field ?? 1, e.category, e.up, e.modality ?? 0))
    last = t
  }
  return k
}

/** Presses [{down, hold, category}] (absolute ms) → key events. */
export function pressesToEvents(presses, field = 1) {
  const ev = []
  for (const p of presses) {
    ev.push({ t: p.down, category: p.category, up: false, field })
    if (p.hold !== undefined) ev.push({ t: p.down + p.hold, category: p.category, up: true, field })
  }
  return ev
}

/**
 * One pointer approach → records as the client keeps them: moves at least `interval` ms
 * apart (the first one kept), the last `keep`, then the press and the release.
 * points: [{t, x, y}] (absolute ms); press: {t, x, y}; hold: ms or undefined.
 */
export function recordApproach(points, press, hold, kind = 0, interval = 40, keep = 16) {
  const moves = []
  let lastKept = -Infinity
  for (const p of points) {
    if (p.t - lastKept < interval) continue
    lastKept = p.t
    moves.push({ t: Math.round(p.t), type: 0, kind, x: Math.round(p.x), y: Math.round(p.y) })
  }
  const out = moves.slice(-keep)
  out.push({ t: Math.round(press.t), type: 1, kind, x: Math.round(press.x), y: Math.round(press.y) })
  if (hold !== undefined) out.push({ t: Math.round(press.t + hold), type: 2, kind, x: Math.round(press.x), y: Math.round(press.y) })
  return out
}

/** Pointer records → stream `p` (delta times and positions). */
export function encodePointer(records) {
  const p = []
  let t0 = 0
  let x0 = 0
  let y0 = 0
  for (const r of records) {
    p.push(r.t - t0, r.kind * 4 + r.type, r.x - x0, r.y - y0)
    t0 = r.t
    x0 = r.x
    y0 = r.y
  }
  return p
}

/** Seeded PRNG (mulberry32) so runs are repeatable. */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const gauss = (r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())

/** A login-like category sequence: e-mail letters with '@' and '.', Tab, password with digits. */
export function loginCategories(r, length = 28) {
  const cats = []
  for (let i = 0; i < length; i++) {
    const u = r()
    cats.push(u < 0.75 ? 1 : u < 0.88 ? 2 : u < 0.95 ? 9 : 3)
  }
  return cats
}

/**
 * Playwright / Puppeteer `keyboard.type(text, { delay })`: each key is pressed for
 * `delay` ms (+ event-loop jitter) and the next one goes down 1–2 ms after the release.
 * mode 'fixed': one delay; 'per-key': a new random delay per key (the usual "human-like"
 * wrapper: `for (c of text) await page.keyboard.type(c, { delay: rand(a, b) })`);
 * 'sleep-uniform' / 'sleep-normal' / 'sleep-lognormal': `press(c, {delay: rand})` then `sleep(rand)`.
 */
export function botTyping(r, mode, options = {}) {
  const cats = options.categories ?? loginCategories(r, options.length ?? 28)
  const presses = []
  let t = 500 + r() * 2000
  const jitter = () => (r() < 0.5 ? 0 : 1)
  const delay = options.delay ?? 20 + Math.floor(r() * 150)
  const lo = 30 + r() * 60
  const hi = lo + 60 + r() * 200
  const uniform = (a, b) => a + r() * (b - a)
  const normal = (m, s, min) => Math.max(min, m + s * gauss(r))
  const hm = 60 + r() * 80
  const gm = 60 + r() * 150
  for (const category of cats) {
    let hold
    let gap
    if (mode === 'fixed') {
      hold = delay + jitter()
      gap = 1 + jitter()
    } else if (mode === 'per-key') {
      hold = Math.round(uniform(lo, hi)) + jitter()
      gap = 1 + jitter()
    } else if (mode === 'sleep-uniform') {
      hold = Math.round(uniform(lo, hi)) + jitter()
      gap = Math.round(uniform(lo, hi)) + 1 + jitter()
    } else if (mode === 'sleep-normal') {
      hold = Math.round(normal(hm, hm / 4, 10)) + jitter()
      gap = Math.round(normal(gm, gm / 3, 5)) + 1 + jitter()
    } else if (mode === 'sleep-lognormal') {
      // A script that copies human timing statistics: log-normal holds and gaps.
      hold = Math.round(hm * Math.exp(0.3 * gauss(r))) + jitter()
      gap = Math.round(gm * Math.exp(0.6 * gauss(r))) + 1 + jitter()
    } else throw new Error(`unknown mode ${mode}`)
    presses.push({ down: t, hold, category })
    t += hold + gap
  }
  return { k: encodeKeys(pressesToEvents(presses)), x: [Math.round(t + 50), 0] }
}

const point = (x, y, t) => ({ x, y, t })

/** Default `page.mouse.move(x, y, { steps })` wrapped with a fixed sleep per step, then `mouse.click` (hold 0–1 ms unless `hold`). */
export function straightApproach(r, options = {}) {
  const from = { x: 50 + r() * 800, y: 50 + r() * 500 }
  const to = { x: 50 + r() * 800, y: 50 + r() * 500 }
  const steps = options.steps ?? 10 + Math.floor(r() * 30)
  const dt = options.stepMs ?? 8 + Math.floor(r() * 20)
  const pts = []
  let t = 1000 + r() * 1000
  for (let i = 1; i <= steps; i++) {
    t += dt + (r() < 0.3 ? 1 : 0)
    pts.push(point(from.x + ((to.x - from.x) * i) / steps, from.y + ((to.y - from.y) * i) / steps, t))
  }
  const hold = options.hold ?? (r() < 0.5 ? 0 : 1)
  return recordApproach(pts, { t: t + (options.dwell ?? 1), x: to.x, y: to.y }, hold)
}

/** A cubic Bezier path with random control points, eased or linear timing, then a click with a random human-like hold. */
export function bezierApproach(r, _options = {}) {
  const from = { x: 50 + r() * 800, y: 50 + r() * 500 }
  const to = { x: 50 + r() * 800, y: 50 + r() * 500 }
  const c1 = { x: from.x + (to.x - from.x) * r() + (r() - 0.5) * 200, y: from.y + (to.y - from.y) * r() + (r() - 0.5) * 200 }
  const c2 = { x: from.x + (to.x - from.x) * r() + (r() - 0.5) * 200, y: from.y + (to.y - from.y) * r() + (r() - 0.5) * 200 }
  const steps = 25 + Math.floor(r() * 40)
  const dt = 8 + Math.floor(r() * 12)
  const eased = r() < 0.5
  const pts = []
  let t = 1000 + r() * 1000
  for (let i = 1; i <= steps; i++) {
    let s = i / steps
    if (eased) s = s < 0.5 ? 2 * s * s : 1 - 2 * (1 - s) * (1 - s)
    const u = 1 - s
    t += dt + (r() < 0.3 ? 1 : 0)
    pts.push(
      point(
        u ** 3 * from.x + 3 * u * u * s * c1.x + 3 * u * s * s * c2.x + s ** 3 * to.x,
        u ** 3 * from.y + 3 * u * u * s * c1.y + 3 * u * s * s * c2.y + s ** 3 * to.y,
        t,
      ),
    )
  }
  return recordApproach(pts, { t: t + 20 + r() * 150, x: to.x, y: to.y }, 60 + Math.round(r() * 80))
}

/**
 * ghost-cursor's own path generator (Bezier with overshoot, Fitts-law timing) with its
 * timestamps, then a click held 50–150 ms after a 20–200 ms pause, as a "humanised" script would.
 */
export function ghostApproach(r, options = {}) {
  const from = { x: 50 + r() * 800, y: 50 + r() * 500 }
  const to = { x: 50 + r() * 800, y: 50 + r() * 500 }
  const raw = ghostPath(from, to, { useTimestamps: true, ...(options.moveSpeed ? { moveSpeed: options.moveSpeed } : {}) })
  const t0 = raw[0].timestamp
  const base = 1000 + r() * 1000
  const pts = raw.map((p) => point(p.x, p.y, base + p.timestamp - t0))
  const end = pts[pts.length - 1]
  return recordApproach(pts, { t: end.t + 20 + r() * 180, x: to.x, y: to.y }, 50 + Math.round(r() * 100))
}

/** Bot submission: a few approaches (fields and the button), records concatenated in time order. */
export function botPointer(r, generator, clicks = 3) {
  const records = []
  let offset = 0
  for (let i = 0; i < clicks; i++) {
    const a = generator(r)
    const shift = offset - a[0].t + 300
    for (const rec of a) records.push({ ...rec, t: rec.t + shift })
    offset = records[records.length - 1].t
  }
  return { p: encodePointer(records), x: [offset + 100, 0] }
}

const lognormal = (r, median, sigma) => median * Math.exp(sigma * gauss(r))

/**
 * Synthetic person typing (no recorded data): log-normal holds and latencies whose medians
 * and spreads resemble the Aalto study's, per-person speed, rollover when the next key
 * goes down before the last comes up, Shift held around some letters, a correction now
 * and then. `timer` quantises every time stamp (e.g. 15.6 ms: old Windows timers).
 */
export function humanTyping(r, options = {}) {
  const length = options.length ?? 28
  const speed = 0.7 + r() * 0.8
  const holdMedian = 75 + r() * 40
  const presses = []
  let t = 800 + r() * 3000
  for (let i = 0; i < length; i++) {
    const category = i === 0 || r() < 0.05 ? 4 : r() < 0.06 ? 6 : r() < 0.85 ? 1 : r() < 0.5 ? 2 : 9
    if (category === 4) {
      // Shift held around the next letter.
      const shiftDown = t
      const letterDown = t + lognormal(r, 110, 0.4)
      const hold = lognormal(r, holdMedian, 0.3)
      presses.push({ down: shiftDown, hold: letterDown + hold + lognormal(r, 40, 0.5) - shiftDown, category: 4 })
      presses.push({ down: letterDown, hold, category: 1 })
      t = letterDown + lognormal(r, 190 * speed, 0.45)
      continue
    }
    presses.push({ down: t, hold: lognormal(r, holdMedian, 0.3), category })
    t += lognormal(r, 190 * speed, 0.45) + (r() < 0.03 ? 600 + r() * 1500 : 0)
  }
  const q = options.timer ? (x) => Math.round(x / options.timer) * options.timer : (x) => x
  const events = pressesToEvents(presses, options.field ?? 1).map((e) => ({ ...e, t: q(e.t) }))
  return { k: encodeKeys(events), x: [Math.round(t + 400), 0] }
}

/**
 * Synthetic hand movement to a target (no recorded data): a minimum-jerk main movement that
 * ends short or long of the target, a corrective sub-movement, tremor, and irregular event
 * timing (60 Hz frames with dropped frames), then a dwell and a 60–160 ms press.
 */
export function humanApproach(r, options = {}) {
  const from = { x: 50 + r() * 800, y: 50 + r() * 500 }
  const to = { x: 50 + r() * 800, y: 50 + r() * 500 }
  const dist = Math.hypot(to.x - from.x, to.y - from.y)
  const duration = 250 + 120 * Math.log2(1 + dist / 20) * (0.8 + r() * 0.5)
  const miss = { x: (r() - 0.5) * dist * 0.15, y: (r() - 0.5) * dist * 0.15 }
  const bow = (r() - 0.5) * dist * 0.2
  const nx = -(to.y - from.y) / (dist || 1)
  const ny = (to.x - from.x) / (dist || 1)
  const pts = []
  let t = 1000 + r() * 1000
  // Progress along the movement advances unevenly: a hand speeds up and slows down in pulses.
  let progress = 0
  while (progress < 1) {
    const dt = 16.7 * (r() < 0.15 ? 2 : 1) + (r() - 0.5) * 4
    t += dt
    progress = Math.min(1, progress + (dt / duration) * (r() < 0.2 ? 0.1 : 0.3 + 1.8 * r()))
    const s = progress
    const e = 10 * s ** 3 - 15 * s ** 4 + 6 * s ** 5
    const arc = Math.sin(Math.PI * e) * bow
    pts.push({
      t,
      x: from.x + (to.x + miss.x - from.x) * e + nx * arc + gauss(r) * 2,
      y: from.y + (to.y + miss.y - from.y) * e + ny * arc + gauss(r) * 2,
    })
  }
  const corr = 120 + r() * 200
  const c0 = t
  const last = pts[pts.length - 1] ?? { x: from.x, y: from.y }
  while (t - c0 < corr) {
    t += 16.7 * (r() < 0.15 ? 2 : 1) + (r() - 0.5) * 2
    const s = Math.min(1, (t - c0) / corr)
    const e = 10 * s ** 3 - 15 * s ** 4 + 6 * s ** 5
    pts.push({ t, x: last.x + (to.x - last.x) * e + gauss(r) * 0.8, y: last.y + (to.y - last.y) * e + gauss(r) * 0.8 })
  }
  return recordApproach(pts, { t: t + 40 + r() * 250, x: to.x, y: to.y }, 60 + Math.round(r() * 100), options.kind ?? 0)
}

/** A finger tap on a touch screen: no moves, then down and up 40–150 ms apart. */
export function touchTap(r) {
  const at = { t: 1000 + r() * 3000, x: 20 + r() * 350, y: 100 + r() * 600 }
  return recordApproach([], at, 40 + Math.round(r() * 110), 1)
}

// ---------- phones, tablets, IME (docs/behaviour.md "Modalities") ----------

/** Records [[t, code, ...rest]] (absolute ms) → a delta-encoded stream. */
export function encodeRecords(records) {
  const out = []
  let last = 0
  for (const [t, ...rest] of [...records].sort((a, b) => a[0] - b[0])) {
    out.push(Math.round(t) - last, ...rest)
    last = Math.round(t)
  }
  return out
}

/**
 * Device profiles of on-screen typing: Android Chrome / Samsung Internet deliver keyCode 229
 * (`Unidentified`, category other) with key-down and key-up 8–20 ms apart; iOS Safari delivers
 * the real key with both together (0–3 ms). `touch` is the client's "after a touch" bit.
 */
export const ON_SCREEN_PROFILES = {
  'android-phone': { unidentified: true, hold: [8, 20] },
  'android-tablet': { unidentified: true, hold: [8, 20] },
  iphone: { unidentified: false, hold: [0, 3] },
  ipad: { unidentified: false, hold: [0, 3] },
}

/** Touch contacts [{t, duration, size?, pressure?}] → stream `c` (one finger each). */
export function encodeContacts(contacts, kind = 1) {
  return encodeRecords(contacts.map((c) => [c.t, kind, Math.round(c.duration), c.size ?? 0, c.pressure ?? 0]))
}

/**
 * One on-screen-keyboard submission: a tap on the field (touch approach and contact), then
 * one key pair and one `insertText` input per latency, a field change with a tap between the
 * two parts. `latencies`: ms between consecutive characters (real people's, from a data set,
 * or a bot's); `tap`: a function giving a contact duration; `categories` for iOS-style keys.
 */
export function onScreenSession(r, latencies, options = {}) {
  const profile = ON_SCREEN_PROFILES[options.profile ?? 'android-phone']
  const tap = options.tap ?? ((rr) => 60 + rr() * 90)
  const split = options.split ?? Math.round(latencies.length * 0.6)
  const keys = []
  const inputs = []
  const pointer = []
  const contacts = []
  let t = 1500 + r() * 2000
  let field = 1
  const touchAt = (when) => {
    const duration = tap(r)
    const at = { t: when, x: 30 + r() * 300, y: 150 + r() * 400 }
    pointer.push(...recordApproach([], at, duration, 1))
    contacts.push({ t: when, duration, size: 20 + Math.round(r() * 20), pressure: 0 })
    return when + duration
  }
  t = touchAt(t) + 300 + r() * 500
  for (let i = 0; i <= latencies.length; i++) {
    if (i > 0) t += latencies[i - 1]
    if (i === split) {
      t = touchAt(t) + 200 + r() * 400
      field = 2
    }
    const category = profile.unidentified ? 0 : (options.categories?.[i] ?? 1)
    const modality = (profile.unidentified ? 1 : 0) + 4
    const hold = profile.hold[0] + r() * (profile.hold[1] - profile.hold[0])
    keys.push({ t, category, up: false, field, modality }, { t: t + hold, category, up: true, field, modality })
    inputs.push([t + Math.min(hold, 2), field * 16 + 0])
  }
  const submit = touchAt(t + 400 + r() * 600)
  return {
    k: encodeKeys(keys),
    i: encodeRecords(inputs),
    p: encodePointer(pointer),
    c: encodeContacts(contacts),
    v: encodeRecords([[1200, 4]]),
    x: [Math.round(submit + 50), 0],
  }
}

/**
 * Japanese IME on a phone: kana typed as composition updates (keyCode 229 keys while
 * composing), each word converted and committed (compositionend). `latencies` are the ms
 * between consecutive composition steps; words of 3–6 steps.
 */
export function imeSession(r, latencies, options = {}) {
  const tap = options.tap ?? ((rr) => 60 + rr() * 90)
  const keys = []
  const inputs = []
  const pointer = []
  const contacts = []
  let t = 1500 + r() * 2000
  const first = tap(r)
  pointer.push(...recordApproach([], { t, x: 100, y: 200 }, first, 1))
  contacts.push({ t, duration: first, size: 24, pressure: 0 })
  t += first + 400
  let inWord = 0
  let word = 3 + Math.floor(r() * 4)
  inputs.push([t, 16 + 7])
  for (let i = 0; i < latencies.length; i++) {
    t += latencies[i]
    if (inWord === word) {
      inputs.push([t, 16 + 8])
      t += 150 + r() * 300
      inputs.push([t, 16 + 7])
      inWord = 0
      word = 3 + Math.floor(r() * 4)
    }
    keys.push(
      { t, category: 0, up: false, field: 1, modality: 1 + 2 + 4 },
      { t: t + 8 + r() * 12, category: 0, up: true, field: 1, modality: 1 + 2 + 4 },
    )
    inputs.push([t + 1, 16 + 1])
    inWord++
  }
  inputs.push([t + 300, 16 + 8])
  const end = t + 900
  pointer.push(...recordApproach([], { t: end, x: 200, y: 600 }, 90, 1))
  contacts.push({ t: end, duration: 90, size: 24, pressure: 0 })
  return {
    k: encodeKeys(keys),
    i: encodeRecords(inputs),
    p: encodePointer(pointer),
    c: encodeContacts(contacts),
    x: [Math.round(end + 150), 0],
  }
}

/**
 * Scripted phone typing: `Input.insertText` (or keyCode-229 key pairs) at constant or random
 * intervals. mode 'constant' (a fixed delay + 0–2 ms jitter), 'uniform' (random in [lo, hi]),
 * 'normal' (Gaussian around a mean); taps held `tapMs` (0 = `page.tap()`).
 */
export function botPhoneTyping(r, mode, options = {}) {
  const n = options.length ?? 24
  const lo = 80 + r() * 150
  const hi = lo + 60 + r() * 400
  const fixed = options.delay ?? 60 + Math.floor(r() * 200)
  const latencies = []
  for (let i = 0; i < n; i++) {
    if (mode === 'constant') latencies.push(fixed + Math.floor(r() * 3))
    else if (mode === 'uniform') latencies.push(Math.round(lo + r() * (hi - lo)))
    else if (mode === 'normal') latencies.push(Math.max(30, Math.round((lo + hi) / 2 + ((hi - lo) / 4) * gauss(r))))
    else throw new Error(`unknown mode ${mode}`)
  }
  const tapMs = options.tapMs
  return onScreenSession(r, latencies, {
    profile: options.profile,
    tap: tapMs === undefined ? undefined : () => tapMs + Math.floor(r() * 2),
  })
}

// W3C WebDriver actions (classic and BiDi share the format) that type and point like a
// person: log-normal key holds and latencies with a long tail and some rollover, pointer
// paths that curve, speed up and slow down unevenly, and presses held 60–140 ms. Seeded,
// so a failing run can be replayed.
import type { ActionSource, DrivenBrowser } from './engines.js'

/** A small seeded generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const logNormal = (rnd: () => number, median: number, sigma: number) => {
  const u = Math.max(1e-9, rnd())
  const v = rnd()
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
}
const ms = (x: number) => Math.max(1, Math.round(x))

/** Key actions typing `text` (ASCII) with human holds, latencies, hesitations and some rollover. */
export function typingActions(text: string, rnd: () => number): ActionSource {
  const actions: object[] = []
  const chars = [...text]
  for (let i = 0; i < chars.length; i++) {
    const value = chars[i]!
    const hold = ms(logNormal(rnd, 85, 0.3))
    const next = chars[i + 1]
    // About one key in six rolls over: the next goes down before this one comes up.
    if (next !== undefined && rnd() < 0.17) {
      const overlap = ms(hold * (0.3 + 0.4 * rnd()))
      const nextHold = ms(logNormal(rnd, 85, 0.3))
      actions.push({ type: 'keyDown', value }, { type: 'pause', duration: hold - overlap > 0 ? hold - overlap : 1 })
      actions.push({ type: 'keyDown', value: next }, { type: 'pause', duration: overlap }, { type: 'keyUp', value })
      actions.push({ type: 'pause', duration: Math.max(1, nextHold - overlap) }, { type: 'keyUp', value: next })
      i++
    } else {
      actions.push({ type: 'keyDown', value }, { type: 'pause', duration: hold }, { type: 'keyUp', value })
    }
    // Latency: log-normal around 110 ms, and now and then a hesitation.
    const gap = rnd() < 0.08 ? 350 + 500 * rnd() : logNormal(rnd, 95, 0.45)
    actions.push({ type: 'pause', duration: ms(gap) })
  }
  return { type: 'key', id: 'keyboard', actions }
}

/**
 * Pointer actions moving from `from` to `to` on a curved path with uneven speed, then
 * pressing for 60–140 ms. Returns the actions and where the pointer ends.
 */
export function pointerActions(
  from: { x: number; y: number },
  to: { x: number; y: number },
  rnd: () => number,
  pointerType: 'mouse' | 'touch' = 'mouse',
): ActionSource {
  const actions: object[] = []
  const dx = to.x - from.x
  const dy = to.y - from.y
  const distance = Math.hypot(dx, dy)
  // A control point off the straight line makes the curve; its side and size vary.
  const bend = (rnd() - 0.5) * 0.6 * distance
  const cx = from.x + dx / 2 - (dy / (distance || 1)) * bend
  const cy = from.y + dy / 2 + (dx / (distance || 1)) * bend
  const steps = Math.max(8, Math.min(45, Math.round(distance / 14 + rnd() * 8)))
  if (pointerType === 'mouse') {
    for (let i = 1; i <= steps; i++) {
      // Ease in and out, with jitter on each step's progress and timing.
      const p = Math.min(1, Math.max(0, (1 - Math.cos((Math.PI * i) / steps)) / 2 + (i < steps ? (rnd() - 0.5) * 0.03 : 0)))
      const x = (1 - p) ** 2 * from.x + 2 * (1 - p) * p * cx + p ** 2 * to.x + (i < steps ? (rnd() - 0.5) * 2 : 0)
      const y = (1 - p) ** 2 * from.y + 2 * (1 - p) * p * cy + p ** 2 * to.y + (i < steps ? (rnd() - 0.5) * 2 : 0)
      actions.push({ type: 'pointerMove', x: Math.round(x), y: Math.round(y), duration: ms(8 + rnd() * 22), origin: 'viewport' })
    }
    actions.push({ type: 'pause', duration: ms(logNormal(rnd, 120, 0.4)) })
  } else {
    actions.push({ type: 'pointerMove', x: Math.round(to.x), y: Math.round(to.y), duration: 0, origin: 'viewport' })
  }
  actions.push({ type: 'pointerDown', button: 0 }, { type: 'pause', duration: ms(60 + rnd() * 80) }, { type: 'pointerUp', button: 0 })
  return { type: 'pointer', id: pointerType === 'mouse' ? 'mouse' : 'finger', parameters: { pointerType }, actions }
}

/** The centre of the first element `selector` matches, in viewport pixels (scrolled into view first). */
export async function centreOf(browser: DrivenBrowser, selector: string): Promise<{ x: number; y: number }> {
  const box = await browser.evaluate<{ x: number; y: number; w: number; h: number } | null>(
    `(() => { const el = document.querySelector(${JSON.stringify(selector)}); if (!el) return null; el.scrollIntoView({ block: 'center' }); const r = el.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height } })()`,
  )
  if (!box) throw new Error(`${browser.name}: no element ${selector}`)
  return { x: box.x + box.w * (0.35 + 0.3 * Math.random()), y: box.y + box.h * (0.4 + 0.2 * Math.random()) }
}

/** Clicks into each field and types its value, then clicks `submit`, all like a hand. */
export async function fillAndSubmit(
  browser: DrivenBrowser,
  fields: Array<[selector: string, text: string]>,
  submit: string,
  seed = 1,
): Promise<void> {
  const rnd = seeded(seed)
  let at = { x: 40 + rnd() * 200, y: 30 + rnd() * 100 }
  for (const [selector, text] of fields) {
    const target = await centreOf(browser, selector)
    await browser.perform([pointerActions(at, target, rnd)])
    at = target
    await browser.perform([typingActions(text, rnd)])
  }
  const button = await centreOf(browser, submit)
  await browser.perform([pointerActions(at, button, rnd)])
}

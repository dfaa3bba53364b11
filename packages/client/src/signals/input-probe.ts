// The input-clock probe (behaviour stream `q`): for trusted mouse-pointer and key events,
// the tenths digit of the event's `timeStamp`, and nothing else. An operating system
// stamps its input with its own clock; on Linux under X11 that clock counts whole
// milliseconds, so every genuine event of a page shares one sub-millisecond phase (one
// digit, or two neighbours after the browser's 0.1 ms coarsening). Input injected
// through the DevTools protocol (`Input.dispatchMouseEvent`/`dispatchKeyEvent`: Playwright,
// Puppeteer, patchright, rebrowser) is stamped when the browser receives the command, at
// any phase. No key, position or field is read; touch and pen are not recorded; keys of
// an IME composition (229) are skipped. See docs/protocol.md (stream `q`) and the
// `INJECTED_INPUT` rule in docs/rules.md.

/** A running input-clock probe. */
export interface InputProbe {
  /** The records so far, delta-encoded (`[dt, digit × 2 + source]…`), for `b.q`. */
  take(): number[]
  /** Removes the listeners; what was recorded is kept. */
  stop(): void
}

/** Most records kept (the oldest are dropped). */
export const INPUT_PROBE_MAX = 48
/** Least time between two sampled pointer moves, ms. */
const MOVE_EVERY = 50

/**
 * Starts the probe. `trustedOnly` false records script-dispatched events too (unit tests
 * under a simulated DOM only).
 */
export function startInputProbe(trustedOnly = true): InputProbe {
  const records: number[][] = []
  let lastMove = -1e9
  const listener = (e: Event) => {
    try {
      if (trustedOnly && !e.isTrusted) return
      const t = Math.round(performance.now())
      const key = e.type[0] === 'k'
      if (key) {
        const k = e as KeyboardEvent
        if (k.repeat || k.isComposing || k.keyCode === 229) return
      } else {
        if ((e as PointerEvent).pointerType !== 'mouse') return
        if (e.type === 'pointermove') {
          if (t - lastMove < MOVE_EVERY) return
          lastMove = t
        }
      }
      records.push([t, (Math.round(e.timeStamp * 10) % 10) * 2 + (key ? 1 : 0)])
      if (records.length > INPUT_PROBE_MAX) records.shift()
    } catch {
      // the probe must never break the page
    }
  }
  const types = ['pointermove', 'pointerdown', 'pointerup', 'keydown', 'keyup']
  for (const type of types) document.addEventListener(type, listener, { capture: true, passive: true })
  return {
    take() {
      const out: number[] = []
      let t = 0
      for (const [time, code] of records) {
        out.push(time! - t, code!)
        t = time!
      }
      return out
    },
    stop() {
      for (const type of types) document.removeEventListener(type, listener, { capture: true })
    },
  }
}

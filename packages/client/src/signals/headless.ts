import type { Signal } from './types.js'

/** How long a zero outer window size is re-read before it counts (ms), and how often. */
export const OUTER_WAIT_MS = 1000
const OUTER_POLL_MS = 50

const zeroOuter = () => window.outerWidth === 0 && window.outerHeight === 0

/**
 * Resolves true when the outer window size is still 0×0 after `OUTER_WAIT_MS`, false as
 * soon as it is not. A page that a headed browser opens in a new renderer (the login page
 * reopened from the address bar) reads 0×0 until the browser sends the window size, which
 * on a busy machine comes after the signals are read: a read that races the browser is no
 * evidence, so it is read again on resize, focus and first input, and every 50 ms, for at most a second.
 */
export function outerStaysZero(waitMs = OUTER_WAIT_MS): Promise<boolean> {
  if (!zeroOuter()) return Promise.resolve(false)
  return new Promise((resolve) => {
    const events = ['resize', 'focus', 'pointerdown', 'keydown', 'visibilitychange'] as const
    const finish = (zero: boolean) => {
      clearInterval(poll)
      clearTimeout(timer)
      for (const e of events) removeEventListener(e, check, true)
      resolve(zero)
    }
    const check = () => {
      if (!zeroOuter()) finish(false)
    }
    const poll = setInterval(check, OUTER_POLL_MS)
    const timer = setTimeout(() => finish(zeroOuter()), waitMs)
    for (const e of events) addEventListener(e, check, true)
  })
}

/**
 * Indicators of a headless or automated browser that are not globals: the headless user
 * agent, missing `window.chrome` in desktop Chrome, no plugins in desktop Chrome, empty
 * languages, window and screen oddities, and notification permission contradictions. (The
 * old CDP trick, logging an error whose `stack` getter a DevTools client reads, no longer
 * fires in Chromium 156 with Playwright, and writes to the shop's console: not used.)
 * Phones and tablets (iOS, Android, an iPad or Android phone asking for desktop sites) are not held to the
 * window geometry traits: their layout viewport may be wider than the screen, iOS reports
 * the screen in portrait when held in landscape, and in-app web views (LINE, Instagram)
 * may report no outer window; Android web views have no `window.chrome`.
 * Value: array of short codes (documented in docs/protocol.md). Any of them raises doubt;
 * none is proof (virtual desktops and kiosks trip some).
 */
export const headless: Signal = {
  name: 'headless',
  collect: async () => {
    const found: string[] = []
    const ua = navigator.userAgent
    const chromeUa = /Chrome\//.test(ua) && !/Edg\/|OPR\//.test(ua)
    const mobile = /Mobi|Android/i.test(ua)
    // An iPad or an Android phone asking for desktop sites says Mac or Linux, on a touch screen.
    const touchDevice = mobile || /iPhone|iPad|iPod/.test(ua) || (/Macintosh|X11; Linux/.test(ua) && (navigator.maxTouchPoints ?? 0) > 1)
    if (/HeadlessChrome/.test(ua)) found.push('ua')
    if (chromeUa && !/Android/.test(ua) && !('chrome' in window)) found.push('no-chrome-object')
    if (chromeUa && !mobile && navigator.plugins?.length === 0) found.push('no-plugins')
    if (!navigator.languages || navigator.languages.length === 0) found.push('no-languages')
    if (screen.width === 0 || screen.height === 0) found.push('zero-screen')
    if (!touchDevice) {
      if (screen.width < window.innerWidth || screen.height < window.innerHeight) found.push('window-larger-than-screen')
      if (screen.availWidth > screen.width || screen.availHeight > screen.height) found.push('avail-larger-than-screen')
    }
    if (!mobile && screen.width === 800 && screen.height === 600) found.push('default-screen')
    try {
      if (typeof Notification !== 'undefined' && navigator.permissions) {
        const state = (await navigator.permissions.query({ name: 'notifications' as PermissionName })).state
        if (Notification.permission === 'denied' && state === 'prompt') found.push('permissions')
      }
    } catch {
      // no permissions API: not evidence
    }
    if (!touchDevice && (await outerStaysZero())) found.push('zero-outer')
    return found
  },
}

import type { Signal } from './types.js'

/**
 * Indicators of a headless or automated browser that are not globals: the headless user
 * agent, missing `window.chrome` in Chrome, no plugins in desktop Chrome, empty languages,
 * window and screen oddities, and notification permission contradictions. (The old CDP
 * trick, logging an error whose `stack` getter a DevTools client reads, no longer fires
 * in Chromium 156 with Playwright, and writes to the shop's console: not used.)
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
    if (/HeadlessChrome/.test(ua)) found.push('ua')
    if (chromeUa && !('chrome' in window)) found.push('no-chrome-object')
    if (chromeUa && !mobile && navigator.plugins?.length === 0) found.push('no-plugins')
    if (!navigator.languages || navigator.languages.length === 0) found.push('no-languages')
    if (window.outerWidth === 0 && window.outerHeight === 0) found.push('zero-outer')
    if (screen.width === 0 || screen.height === 0) found.push('zero-screen')
    if (screen.width < window.innerWidth || screen.height < window.innerHeight) found.push('window-larger-than-screen')
    if (screen.availWidth > screen.width || screen.availHeight > screen.height) found.push('avail-larger-than-screen')
    if (!mobile && screen.width === 800 && screen.height === 600) found.push('default-screen')
    try {
      if (typeof Notification !== 'undefined' && navigator.permissions) {
        const state = (await navigator.permissions.query({ name: 'notifications' as PermissionName })).state
        if (Notification.permission === 'denied' && state === 'prompt') found.push('permissions')
      }
    } catch {
      // no permissions API: not evidence
    }
    return found
  },
}

import type { Signal } from './types.js'

// Functions and getters stealth plugins patch, as [owner, property, kind].
type Target = [() => object | undefined, string, 'get' | 'fn']
const TARGETS: Record<string, Target> = {
  webdriver: [() => Navigator.prototype, 'webdriver', 'get'],
  languages: [() => Navigator.prototype, 'languages', 'get'],
  plugins: [() => Navigator.prototype, 'plugins', 'get'],
  platform: [() => Navigator.prototype, 'platform', 'get'],
  userAgent: [() => Navigator.prototype, 'userAgent', 'get'],
  hardwareConcurrency: [() => Navigator.prototype, 'hardwareConcurrency', 'get'],
  deviceMemory: [() => Navigator.prototype, 'deviceMemory', 'get'],
  permissionsQuery: [() => window.Permissions?.prototype, 'query', 'fn'],
  getParameter: [() => window.WebGLRenderingContext?.prototype, 'getParameter', 'fn'],
  toDataURL: [() => HTMLCanvasElement.prototype, 'toDataURL', 'fn'],
  getTimezoneOffset: [() => Date.prototype, 'getTimezoneOffset', 'fn'],
  resolvedOptions: [() => Intl.DateTimeFormat.prototype, 'resolvedOptions', 'fn'],
  functionToString: [() => Function.prototype, 'toString', 'fn'],
}

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/

/**
 * Browser functions and getters whose source is not native code: stealth plugins replace
 * them to hide automation. Also flags own properties shadowing navigator getters
 * (`navigator.webdriver` redefined on the instance). Value: array of names.
 */
export const tampering: Signal = {
  name: 'tampering',
  collect: () => {
    const found: string[] = []
    const toString = Function.prototype.toString
    for (const [name, [owner, property, kind]] of Object.entries(TARGETS)) {
      try {
        const target = owner()
        if (!target) continue
        const descriptor = Object.getOwnPropertyDescriptor(target, property)
        const fn = kind === 'get' ? descriptor?.get : descriptor?.value
        if (typeof fn === 'function' && !NATIVE.test(toString.call(fn))) found.push(name)
      } catch {
        found.push(name)
      }
    }
    for (const property of Object.getOwnPropertyNames(navigator)) found.push(`navigator.${property}`.slice(0, 32))
    return found.slice(0, 24)
  },
}

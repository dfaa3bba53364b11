import { describe, expect, it } from 'vitest'
import { timezone } from './timezone.js'

describe('timezone', () => {
  it('sends the IANA zone and the Date offset', () => {
    const [zone, offset] = timezone.collect() as [string, number]
    expect(zone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone)
    expect(offset).toBe(new Date().getTimezoneOffset())
  })
})

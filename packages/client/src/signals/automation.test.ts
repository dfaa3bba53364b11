// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { automation } from './automation.js'

const w = window as unknown as Record<string, unknown>
const d = document as unknown as Record<string, unknown>

afterEach(() => {
  for (const name of ['__playwright__binding__', 'callPhantom', '__nightmare', 'cdc_adoQpoasnfa76pfcZLmcfl_Array']) delete w[name]
  delete d.$cdc_asdjflasutopfhvcZLmcfl_
  document.documentElement.removeAttribute('webdriver')
})

describe('automation', () => {
  it('finds nothing on a clean page', () => {
    expect(automation.collect()).toEqual([])
  })

  it('names the globals Playwright, PhantomJS, Nightmare and chromedriver leave', () => {
    w.__playwright__binding__ = () => undefined
    w.callPhantom = () => undefined
    w.__nightmare = {}
    w.cdc_adoQpoasnfa76pfcZLmcfl_Array = Array
    d.$cdc_asdjflasutopfhvcZLmcfl_ = {}
    document.documentElement.setAttribute('webdriver', 'true')
    expect(automation.collect()).toEqual([
      '__playwright__binding__',
      'callPhantom',
      '__nightmare',
      'cdc_adoQpoasnfa76pfcZLmcfl_Array',
      '$cdc_asdjflasutopfhvcZLmcfl_',
      'html@webdriver',
    ])
  })
})

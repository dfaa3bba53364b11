// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { probeFonts } from './font-list.js'

describe('probeFonts', () => {
  it('reports fonts whose text renders at another size than the generic families, and cleans up', async () => {
    // happy-dom does no layout: fake one where only "Meiryo" changes the width.
    const width = vi.spyOn(HTMLElement.prototype, 'offsetWidth', 'get').mockImplementation(function (this: HTMLElement) {
      return this.style.fontFamily.includes('Meiryo') ? 120 : 100
    })
    const before = document.body.children.length
    expect(await probeFonts(['Meiryo', 'Nope Sans', 'Other'])).toEqual(['Meiryo'])
    expect(document.body.children.length).toBe(before)
    width.mockRestore()
  })

  it('needs a body, and never throws without one', async () => {
    const body = document.body
    body.remove()
    expect(await probeFonts(['Meiryo'])).toEqual([])
    document.documentElement.appendChild(body)
  })
})

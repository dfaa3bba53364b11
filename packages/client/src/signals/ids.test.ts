// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { ids, newId } from './ids.js'

beforeEach(() => {
  document.cookie = 'kenchi_id=; max-age=0; path=/'
  localStorage.clear()
})

describe('ids', () => {
  it('creates one id and stores it in the cookie and localStorage (IndexedDB when present)', async () => {
    const first = (await ids.collect()) as Record<string, string | null>
    expect(first).toMatchObject({ c: null, l: null })
    expect(first.n).toMatch(/^[\w-]{22}$/)
    expect(document.cookie).toContain(`kenchi_id=${first.n}`)
    expect(localStorage.getItem('kenchi_id')).toBe(first.n)
    const second = (await ids.collect()) as Record<string, string | null>
    expect(second).toMatchObject({ c: first.n, l: first.n, n: first.n })
  })

  it('restores a cleared store from one that still remembers', async () => {
    const id = newId()
    localStorage.setItem('kenchi_id', id)
    const value = (await ids.collect()) as Record<string, string | null>
    expect(value).toMatchObject({ c: null, l: id, n: id })
    expect(document.cookie).toContain(`kenchi_id=${id}`)
  })

  it('ignores malformed stored values', async () => {
    localStorage.setItem('kenchi_id', '<script>')
    const value = (await ids.collect()) as Record<string, string | null>
    expect(value.l).toBeNull()
    expect(value.n).toMatch(/^[\w-]{22}$/)
  })
})

// Error codes have one source each: the const maps in packages/server/src/errors.ts and
// @kenchi/protocol's TOKEN_ERRORS. The docs' tables are generated from them
// (scripts/generate-error-docs.mjs), every code thrown in @kenchi/server is in the map and
// every code in the map is thrown, and the lists exported beside them agree.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { TOKEN_ERRORS } from '../../packages/protocol/src/constants.js'
import { CONFIRM_ERRORS, ERROR_CODES, SERVICE_ERRORS, STEP_UP_ERRORS } from '../../packages/server/src/errors.js'
import { SERVICE_ERROR_CODES } from '../../packages/server/src/service/index.js'
import { CONFIRM_ERROR_CODES, type ConfirmErrorCode } from '../../packages/server/src/stepup/confirm.js'
import { STEP_UP_ERROR_CODES, type StepUpErrorCode } from '../../packages/server/src/stepup/stepup.js'
import { loadMaps, renderTables, replaceSection, TABLE_FILES } from '../../scripts/generate-error-docs.mjs'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SERVER_SRC = join(ROOT, 'packages/server/src')
const sources = (readdirSync(SERVER_SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))

// The step-up unions and the maps name the same codes (a compile error otherwise).
const stepUpCodes: Array<[StepUpErrorCode, keyof typeof STEP_UP_ERRORS]> = []
const confirmCodes: Array<[ConfirmErrorCode, keyof typeof CONFIRM_ERRORS]> = []
void stepUpCodes.map(([a, b]): [keyof typeof STEP_UP_ERRORS, StepUpErrorCode] => [a, b])
void confirmCodes.map(([a, b]): [keyof typeof CONFIRM_ERRORS, ConfirmErrorCode] => [a, b])

/** The text of each call to `name(`, up to its closing parenthesis. */
function calls(text: string, name: string): string[] {
  const found: string[] = []
  for (let at = text.indexOf(`${name}(`); at >= 0; at = text.indexOf(`${name}(`, at + 1)) {
    let depth = 0
    let end = at + name.length
    for (; end < text.length; end++) {
      if (text[end] === '(') depth++
      else if (text[end] === ')' && --depth === 0) break
    }
    found.push(text.slice(at, end + 1))
  }
  return found
}

/** Codes passed as string literals to KenchiError and to the helpers that throw it with a given code. */
function thrownCodes(): Map<string, string[]> {
  const codes = new Map<string, string[]>()
  for (const file of sources) {
    const text = readFileSync(join(SERVER_SRC, file), 'utf8')
    const throwing = [
      'new KenchiError',
      'secretBytes',
      'optionChecks',
      'nodemailerTransport',
      ...(/extends KenchiError/.test(text) ? ['super'] : []),
    ]
    for (const call of throwing.flatMap((name) => calls(text, name))) {
      for (const [, code] of call.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) codes.set(code!, [...(codes.get(code!) ?? []), file])
    }
  }
  return codes
}

describe('error codes', () => {
  it('the docs tables are the ones generated from the maps', () => {
    const tables = renderTables({ ERROR_CODES, STEP_UP_ERRORS, CONFIRM_ERRORS, SERVICE_ERRORS, TOKEN_ERRORS })
    for (const [name, file] of Object.entries(TABLE_FILES)) {
      const text = readFileSync(join(ROOT, file), 'utf8')
      expect(replaceSection(text, name, tables[name as keyof typeof tables]), `${file}: run node scripts/generate-error-docs.mjs`).toBe(
        text,
      )
    }
  })

  it('the generator reads the same maps from the sources', async () => {
    const maps = await loadMaps()
    expect(maps).toMatchObject({ ERROR_CODES, STEP_UP_ERRORS, CONFIRM_ERRORS, SERVICE_ERRORS, TOKEN_ERRORS })
  })

  it('a section without its markers is an error, not a silent skip', () => {
    expect(() => replaceSection('no markers here', 'server', '| x |')).toThrow(/error-codes:server:start/)
  })

  it('every code thrown in @kenchi/server is in ERROR_CODES, and every code there is thrown', () => {
    const thrown = thrownCodes()
    expect(thrown.size).toBeGreaterThan(15)
    const missing = [...thrown]
      .filter(([code]) => !Object.hasOwn(ERROR_CODES, code))
      .map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`)
    expect(missing, 'thrown but not in ERROR_CODES').toEqual([])
    expect(
      Object.keys(ERROR_CODES).filter((code) => !thrown.has(code)),
      'in ERROR_CODES but never thrown',
    ).toEqual([])
  })

  it('the exported code lists are the maps’ keys', () => {
    expect([...STEP_UP_ERROR_CODES]).toEqual(Object.keys(STEP_UP_ERRORS))
    expect([...CONFIRM_ERROR_CODES]).toEqual(Object.keys(CONFIRM_ERRORS))
    expect([...SERVICE_ERROR_CODES]).toEqual(Object.keys(SERVICE_ERRORS))
  })

  it('the service answers each code with the status its map gives, and the OpenAPI document lists the same codes', () => {
    const text = readFileSync(join(SERVER_SRC, 'service/index.ts'), 'utf8')
    const pairs = [...text.matchAll(/new ApiError\((\d+), '([a-z_]+)'/g)].map(([, status, code]) => [code!, Number(status)] as const)
    expect(pairs.length).toBeGreaterThan(20)
    for (const [code, status] of pairs) expect(SERVICE_ERRORS[code as keyof typeof SERVICE_ERRORS]?.status, code).toBe(status)
    const openapi = readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8')
    const enums = [...openapi.matchAll(/"enum": \[([^\]]*"internal_error"[^\]]*)\]/g)].map(
      ([, list]) => JSON.parse(`[${list}]`) as string[],
    )
    expect(enums.length).toBeGreaterThan(0)
    for (const list of enums) expect([...list].sort()).toEqual(Object.keys(SERVICE_ERRORS).sort())
  })
})

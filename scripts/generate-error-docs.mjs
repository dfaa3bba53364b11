// Writes the error-code tables of the docs from the code maps, between markers
// `<!-- error-codes:NAME:start -->` and `<!-- error-codes:NAME:end -->`:
//   server   docs/server.md   ERROR_CODES      (KenchiError codes, packages/server/src/errors.ts)
//   stepup   docs/step-up.md  STEP_UP_ERRORS + CONFIRM_ERRORS (result codes, same file)
//   service  docs/service.md  SERVICE_ERRORS   (JSON API codes, same file)
//   protocol docs/protocol.md TOKEN_ERRORS     (packages/protocol/src/constants.ts)
// Run `node scripts/generate-error-docs.mjs` after changing a map; `--check` only reports
// (exit 1) a table that differs. test/docs/error-codes.test.ts fails when one does.
// The maps are read from the TypeScript sources (transpiled here), so no build is needed.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = new URL('../', import.meta.url)

/** Escapes a table cell's pipes (none of the texts contain one, but a future one must not break the table). */
const cell = (text) => String(text).replace(/\|/g, '\\|')

/** A plain-text message as Markdown: words with angle brackets (`kt1.<base64url>.<base64url>`) as code. */
const plain = (text) => cell(text).replace(/\S*<\S*/g, (word) => `\`${word}\``)

/** The tables, one per marker name, from the maps. */
export function renderTables({ ERROR_CODES, STEP_UP_ERRORS, CONFIRM_ERRORS, SERVICE_ERRORS, TOKEN_ERRORS }) {
  const fromMeaning = (map) => [
    '| code | from | meaning |',
    '|---|---|---|',
    ...Object.entries(map).map(([code, d]) => `| \`${code}\` | ${cell(d.from)} | ${cell(d.meaning)} |`),
  ]
  return {
    server: fromMeaning(ERROR_CODES).join('\n'),
    stepup: fromMeaning({ ...STEP_UP_ERRORS, ...CONFIRM_ERRORS }).join('\n'),
    service: [
      '| status | `error` | when |',
      '|---|---|---|',
      ...Object.entries(SERVICE_ERRORS).map(([code, d]) => `| ${d.status} | \`${code}\` | ${cell(d.when)} |`),
    ].join('\n'),
    protocol: [
      '| code | meaning |',
      '|---|---|',
      ...Object.entries(TOKEN_ERRORS).map(([code, meaning]) => `| \`${code}\` | ${plain(meaning)} |`),
    ].join('\n'),
  }
}

/** Which docs file holds each table. */
export const TABLE_FILES = { server: 'docs/server.md', stepup: 'docs/step-up.md', service: 'docs/service.md', protocol: 'docs/protocol.md' }

/** `text` with the section `name` replaced by `table`; throws when the markers are missing. */
export function replaceSection(text, name, table) {
  const start = `<!-- error-codes:${name}:start -->`
  const end = `<!-- error-codes:${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`no ${start} … ${end} section`)
  return `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`
}

/** The maps, read from the TypeScript sources (transpiled, so no build is needed). */
export async function loadMaps() {
  const ts = (await import('typescript')).default
  const load = async (path) => {
    const source = readFileSync(new URL(path, ROOT), 'utf8')
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
    return import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)
  }
  const server = await load('packages/server/src/errors.ts')
  const protocol = await load('packages/protocol/src/constants.ts')
  return { ...server, TOKEN_ERRORS: protocol.TOKEN_ERRORS }
}

/** Rewrites (or, with `check`, only compares) every table; resolves the files that differ(ed). */
export async function generate({ check = false } = {}) {
  const tables = renderTables(await loadMaps())
  const changed = []
  for (const [name, file] of Object.entries(TABLE_FILES)) {
    const url = new URL(file, ROOT)
    const text = readFileSync(url, 'utf8')
    const next = replaceSection(text, name, tables[name])
    if (next === text) continue
    changed.push(file)
    if (!check) writeFileSync(url, next)
  }
  return changed
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check')
  const changed = await generate({ check })
  for (const file of changed) console.log(`${check ? 'differs' : 'wrote'}: ${file}`)
  if (check && changed.length > 0) {
    console.error('error-code tables differ from the maps: run node scripts/generate-error-docs.mjs')
    process.exitCode = 1
  }
}

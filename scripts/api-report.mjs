// The public API reports: for every entry a package exports (package.json "exports" with a
// "types" condition), the names it exports and their kinds, read from the sources with the
// TypeScript compiler. Written to packages/<package>/api/<entry>.api.md and committed;
// test/api-report.test.ts fails when the sources export something the reports do not list.
//
//   npm run api:report            rewrite the reports
//   node scripts/api-report.mjs --check   exit 1 and name the stale reports
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import typescript from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const PACKAGES = ['protocol', 'client', 'server', 'console']

/**
 * The package's entries: one per source file, with every subpath that exports it (an alias
 * such as `@kenchi/server/express` next to `@kenchi/server/adapters/express` shares the report).
 * @param {string} pkg
 * @returns {{ pkg: string, name: string, subpaths: string[], source: string, report: string }[]}
 */
export function entriesOf(pkg) {
  const dir = join(root, 'packages', pkg)
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  /** @type {Map<string, { pkg: string, name: string, subpaths: string[], source: string, report: string }>} */
  const bySource = new Map()
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const types = typeof target === 'object' && target !== null ? target.types : undefined
    if (typeof types !== 'string') continue
    const source = sourceOf(dir, types)
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`
    const known = bySource.get(source)
    if (known) known.subpaths.push(specifier)
    else {
      const name = subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-')
      bySource.set(source, { pkg, name, subpaths: [specifier], source, report: join(dir, 'api', `${name}.api.md`) })
    }
  }
  return [...bySource.values()]
}

/** `./dist/types/a/b.d.ts` → `src/a/b.ts` (or a hand-written `src/a/b.d.ts`). */
function sourceOf(dir, types) {
  const stem = types.replace(/^\.\/dist\/types\//, 'src/').replace(/\.d\.ts$/, '')
  for (const candidate of [`${stem}.ts`, `${stem}.d.ts`, `${stem}.js`]) if (existsSync(join(dir, candidate))) return join(dir, candidate)
  throw new Error(`${relative(root, dir)}: no source for ${types}`)
}

/** Whether the name is exported with `export type`: a class or a const that has no value at run time here. */
function typeOnly(symbol) {
  return (symbol.declarations ?? []).some(
    (d) => typescript.isTypeOnlyImportOrExportDeclaration(d) || (typescript.isExportSpecifier(d) && d.parent.parent.isTypeOnly),
  )
}

/** The kind a report names for an exported symbol. */
function kindOf(symbol) {
  const f = typescript.SymbolFlags
  const flags = symbol.flags
  const kinds = []
  if (flags & f.Class) kinds.push('class')
  else if (flags & f.Function) kinds.push('function')
  else if (flags & f.Variable) kinds.push('const')
  if (flags & f.Enum) kinds.push('enum')
  if (flags & f.Interface && !(flags & f.Class)) kinds.push('interface')
  if (flags & f.TypeAlias) kinds.push('type')
  if (flags & f.Module) kinds.push('namespace')
  return kinds.join(' + ') || 'unknown'
}

/**
 * The reports' text, keyed by report file, computed from the sources (one compiler program for all).
 * @param {{ subpaths: string[], source: string, report: string }[]} [entries] default: every package's entries
 * @returns {Map<string, string>}
 */
export function apiReports(entries = PACKAGES.flatMap(entriesOf)) {
  const config = typescript.parseJsonConfigFileContent(
    typescript.readConfigFile(join(root, 'tsconfig.json'), typescript.sys.readFile).config,
    typescript.sys,
    root,
  )
  const program = typescript.createProgram({
    rootNames: entries.map((e) => e.source),
    options: { ...config.options, noEmit: true, allowJs: true },
  })
  const checker = program.getTypeChecker()
  const reports = new Map()
  for (const entry of entries) {
    const file = program.getSourceFile(entry.source)
    const moduleSymbol = file && checker.getSymbolAtLocation(file)
    if (!moduleSymbol) throw new Error(`${entry.source}: not a module`)
    const rows = checker
      .getExportsOfModule(moduleSymbol)
      .map((symbol) => ({
        name: symbol.name,
        symbol,
        target: symbol.flags & typescript.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(
        ({ name, symbol, target }) =>
          `| \`${name}\` | ${target.flags & typescript.SymbolFlags.Value && typeOnly(symbol) ? 'type-only ' : ''}${kindOf(target)} |`,
      )
    reports.set(
      entry.report,
      [
        `# API report: ${entry.subpaths.map((s) => `\`${s}\``).join(', ')}`,
        '',
        `<!-- Generated by \`npm run api:report\` from ${relative(root, entry.source).replaceAll('\\', '/')}; do not edit by hand. -->`,
        '',
        `${rows.length} exported names. Anything not listed here is internal.`,
        '',
        '| name | kind |',
        '|---|---|',
        ...rows,
        '',
      ].join('\n'),
    )
  }
  return reports
}

/** Report files on disk that no entry produces any more (a removed subpath). */
export function staleReportFiles(reports) {
  const stale = []
  for (const pkg of PACKAGES) {
    const dir = join(root, 'packages', pkg, 'api')
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir)) if (name.endsWith('.api.md') && !reports.has(join(dir, name))) stale.push(join(dir, name))
  }
  return stale
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const reports = apiReports()
  if (process.argv.includes('--check')) {
    const differ = [...reports].filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text).map(([file]) => file)
    const bad = [...differ, ...staleReportFiles(reports)]
    for (const file of bad) console.error(`out of date: ${relative(root, file)}`)
    if (bad.length) {
      console.error('The public API changed: run `npm run api:report` and commit the reports.')
      process.exit(1)
    }
  } else {
    for (const file of staleReportFiles(reports)) rmSync(file)
    for (const [file, text] of reports) {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, text)
    }
    console.log(`${reports.size} API reports written`)
  }
}

// Checks that a reformat changed nothing but layout: for every file that differs between a
// commit (default HEAD) and the working tree, the TypeScript / JavaScript syntax trees must
// be equal, ignoring positions, comments' placement, parentheses and trailing commas, and
// JSON files must parse to the same value. Run it after `npm run format`, before committing:
//
//   node scripts/same-syntax.mjs [commit]
//
// Prints each file whose syntax differs (with the first place it does) and exits 1 if any does.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import ts from 'typescript'

const base = process.argv[2] ?? 'HEAD'
const git = (...args) => execFileSync('git', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] })
const files = git('diff', '--name-only', base)
  .split('\n')
  .filter((f) => /\.(ts|mts|cts|js|mjs|cjs|json)$/.test(f) && existsSync(f))

/** The syntax tree as a flat string: node kinds, names and literal values, no positions. */
function shape(text, file) {
  const kind = /\.[mc]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind)
  const out = []
  const walk = (node) => {
    if (ts.isParenthesizedExpression(node)) return walk(node.expression)
    if (ts.isParenthesizedTypeNode(node)) return walk(node.type)
    out.push(ts.SyntaxKind[node.kind])
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node) || ts.isLiteralKind(node.kind)) out.push(JSON.stringify(node.text))
    else if (ts.isTemplateLiteralKind(node.kind)) out.push(JSON.stringify(node.rawText ?? node.text))
    ts.forEachChild(node, walk)
    out.push(')')
  }
  walk(source)
  return { nodes: out, errors: source.parseDiagnostics.length }
}

let differ = 0
for (const file of files) {
  let before
  try {
    before = git('show', `${base}:${file}`)
  } catch {
    continue // a new file: nothing to compare with
  }
  const after = readFileSync(file, 'utf8')
  if (file.endsWith('.json')) {
    if (JSON.stringify(JSON.parse(before)) !== JSON.stringify(JSON.parse(after))) {
      differ++
      console.log(`${file}: the JSON value differs`)
    }
    continue
  }
  const a = shape(before, file)
  const b = shape(after, file)
  const same = a.errors === b.errors && a.nodes.length === b.nodes.length && a.nodes.every((n, i) => n === b.nodes[i])
  if (same) continue
  differ++
  let i = 0
  while (a.nodes[i] === b.nodes[i]) i++
  console.log(
    `${file}: the syntax differs\n  before: ${a.nodes.slice(Math.max(0, i - 6), i + 6).join(' ')}\n  after:  ${b.nodes.slice(Math.max(0, i - 6), i + 6).join(' ')}`,
  )
}
console.log(`${files.length} changed files compared with ${base}: ${differ} differ in syntax`)
process.exit(differ ? 1 : 0)

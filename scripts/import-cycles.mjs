// Finds import cycles among the sources of packages/*/src (tests excluded), type-only
// imports included: `node scripts/import-cycles.mjs` prints each cycle and exits 1 if there
// is one. Used by test/import-cycles.test.ts.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const SOURCE = /\.(ts|tsx|js|mjs)$/
const TEST = /\.test\.(ts|tsx|js|mjs)$/

/** Every source file under `dir`, tests and declaration files excluded. */
function sources(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sources(path))
    else if (SOURCE.test(name) && !TEST.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), if it is one of `files`. */
function resolveImport(from, specifier, files) {
  if (!specifier.startsWith('.')) return undefined
  const base = resolve(dirname(from), specifier)
  const stem = base.replace(/\.(js|mjs|ts)$/, '')
  for (const candidate of [
    base,
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.js`,
    `${stem}.mjs`,
    join(base, 'index.ts'),
    join(base, 'index.js'),
  ]) {
    if (files.has(candidate)) return candidate
  }
  return undefined
}

/** The import graph of the files: file → the files it imports (static, dynamic, type-only, re-exports). */
export function importGraph(files) {
  const set = new Set(files)
  const graph = new Map()
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    const targets = new Set()
    for (const { fileName } of info.importedFiles) {
      const target = resolveImport(file, fileName, set)
      if (target !== undefined) targets.add(target)
    }
    graph.set(file, [...targets])
  }
  return graph
}

/** The cycles of a graph: one path per strongly connected component with more than one file (or a self-import). */
export function findCycles(graph) {
  let index = 0
  const indices = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const components = []
  function connect(v) {
    indices.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), indices.get(w)))
    }
    if (low.get(v) === indices.get(v)) {
      const component = []
      let w
      do {
        w = stack.pop()
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component)
    }
  }
  for (const v of graph.keys()) if (!indices.has(v)) connect(v)
  return components.map((component) => cycleIn(graph, new Set(component), component.sort()[0]))
}

/** A shortest cycle through `start` inside one component, as a list of files ending where it began. */
function cycleIn(graph, members, start) {
  const previous = new Map([[start, undefined]])
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue
      if (w === start) {
        const path = [start]
        for (let at = v; at !== start; at = previous.get(at)) path.splice(1, 0, at)
        return [...path, start]
      }
      if (!previous.has(w)) {
        previous.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}

/** The cycles among the sources of every package under `root`/packages, as paths relative to `root`. */
export function packageCycles(root) {
  const files = []
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', pkg, 'src')
    if (existsSync(src)) files.push(...sources(src))
  }
  return findCycles(importGraph(files)).map((cycle) => cycle.map((file) => relative(root, file)))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cycles = packageCycles(resolve(dirname(fileURLToPath(import.meta.url)), '..'))
  for (const cycle of cycles) console.log(cycle.join(' → '))
  console.log(`${cycles.length} import cycle(s)`)
  process.exitCode = cycles.length > 0 ? 1 : 0
}

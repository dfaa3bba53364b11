// Loads a version of the server's TypeScript sources from git history, for A/B benchmarks
// that compare the old code and the new in one process: each file is read with
// `git show <rev>:<path>`, transpiled alone (the sources compile file by file, see
// rollup.config.mjs) and written under .scratch/, then the entry module is imported.
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import typescript from 'typescript'
import { ROOT } from './env.mjs'

/**
 * Imports `files[0]` (a path from the repository root, `.ts`) as it was at `rev`, with the
 * other `files` beside it (the modules it imports at run time, same relative layout; one
 * that did not exist at `rev` is skipped).
 */
export async function importFromGit(rev, files) {
  const root = fileURLToPath(ROOT)
  const out = join(root, '.scratch', `git-${rev}`)
  for (const file of files) {
    let source
    try {
      source = execFileSync('git', ['show', `${rev}:${file}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    } catch (error) {
      if (file === files[0]) throw error
      continue // a helper module that did not exist yet at `rev`: the entry did not import it then
    }
    const { outputText } = typescript.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    })
    const target = join(out, file.replace(/\.ts$/, '.js'))
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, outputText)
  }
  return import(pathToFileURL(join(out, files[0].replace(/\.ts$/, '.js'))).href)
}

/** The commit a branch started from (`git merge-base HEAD <ref>`), for "before" rows. */
export function baseCommit(ref = 'main') {
  return execFileSync('git', ['merge-base', 'HEAD', ref], { cwd: fileURLToPath(ROOT), encoding: 'utf8' }).trim()
}

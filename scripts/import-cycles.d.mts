/** The import graph of the files: file → the files it imports (static, dynamic, type-only, re-exports). */
export function importGraph(files: readonly string[]): Map<string, string[]>
/** The cycles of a graph: one path per strongly connected component, ending where it began. */
export function findCycles(graph: Map<string, string[]>): string[][]
/** The cycles among the sources of every package under `root`/packages (tests excluded), as paths relative to `root`. */
export function packageCycles(root: string): string[][]

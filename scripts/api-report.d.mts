// Types for api-report.mjs, so the TypeScript tests can import it.
export interface ApiEntry {
  pkg: string
  name: string
  /** The import specifiers that load this entry (an alias shares its report). */
  subpaths: string[]
  /** The source file the entry's declarations are built from. */
  source: string
  /** The committed report file. */
  report: string
}
export declare function entriesOf(pkg: string): ApiEntry[]
export declare function apiReports(entries?: Pick<ApiEntry, 'subpaths' | 'source' | 'report'>[]): Map<string, string>
export declare function staleReportFiles(reports: Map<string, string>): string[]

// Types for generate-error-docs.mjs, so the TypeScript tests can import it.
type Docs = Readonly<Record<string, { readonly from: string; readonly meaning: string }>>

export interface ErrorMaps {
  ERROR_CODES: Docs
  STEP_UP_ERRORS: Docs
  CONFIRM_ERRORS: Docs
  SERVICE_ERRORS: Readonly<Record<string, { readonly status: number; readonly when: string }>>
  TOKEN_ERRORS: Readonly<Record<string, string>>
}
export declare function renderTables(maps: ErrorMaps): Record<'server' | 'stepup' | 'service' | 'protocol', string>
export declare const TABLE_FILES: Record<'server' | 'stepup' | 'service' | 'protocol', string>
export declare function replaceSection(text: string, name: string, table: string): string
export declare function loadMaps(): Promise<ErrorMaps>
export declare function generate(options?: { check?: boolean }): Promise<string[]>

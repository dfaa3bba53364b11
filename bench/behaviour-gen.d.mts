export interface PointerRec {
  t: number
  type: number
  kind: number
  x: number
  y: number
}
export function categoryOfKeyCode(code: number): number
export function encodeKeys(events: { t: number; category: number; up: boolean; field?: number; modality?: number }[]): number[]
export function pressesToEvents(
  presses: { down: number; hold?: number; category: number }[],
  field?: number,
): { t: number; category: number; up: boolean; field: number }[]
export function recordApproach(
  points: { t: number; x: number; y: number }[],
  press: { t: number; x: number; y: number },
  hold: number | undefined,
  kind?: number,
  interval?: number,
  keep?: number,
): PointerRec[]
export function encodePointer(records: PointerRec[]): number[]
export function rng(seed: number): () => number
export function loginCategories(r: () => number, length?: number): number[]
export function botTyping(
  r: () => number,
  mode: 'fixed' | 'per-key' | 'sleep-uniform' | 'sleep-normal' | 'sleep-lognormal',
  options?: { categories?: number[]; length?: number; delay?: number },
): { k: number[]; x: number[] }
export function straightApproach(
  r: () => number,
  options?: { steps?: number; stepMs?: number; hold?: number; dwell?: number },
): PointerRec[]
export function bezierApproach(r: () => number, options?: Record<string, never>): PointerRec[]
export function ghostApproach(r: () => number, options?: { moveSpeed?: number }): PointerRec[]
export function botPointer(r: () => number, generator: (r: () => number) => PointerRec[], clicks?: number): { p: number[]; x: number[] }
export function humanTyping(r: () => number, options?: { length?: number; timer?: number; field?: number }): { k: number[]; x: number[] }
export function humanApproach(r: () => number, options?: { kind?: number }): PointerRec[]
export function touchTap(r: () => number): PointerRec[]
export type Streams = Record<string, number[]>
export type OnScreenProfile = 'android-phone' | 'android-tablet' | 'iphone' | 'ipad'
export const ON_SCREEN_PROFILES: Record<OnScreenProfile, { unidentified: boolean; hold: [number, number] }>
export function encodeRecords(records: number[][]): number[]
export function encodeContacts(contacts: { t: number; duration: number; size?: number; pressure?: number }[], kind?: number): number[]
export function onScreenSession(
  r: () => number,
  latencies: number[],
  options?: { profile?: OnScreenProfile; tap?: (r: () => number) => number; split?: number; categories?: number[] },
): Streams
export function imeSession(r: () => number, latencies: number[], options?: { tap?: (r: () => number) => number }): Streams
export function botPhoneTyping(
  r: () => number,
  mode: 'constant' | 'uniform' | 'normal',
  options?: { length?: number; delay?: number; profile?: OnScreenProfile; tapMs?: number },
): Streams

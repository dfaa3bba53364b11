// Types of bench/lib/injected-drive.mjs for the TypeScript tests.
import type { Verdict } from '@kenchi/server'

export interface Box {
  x: number
  y: number
  w: number
  h: number
}
export const LAYOUT: { user: Box; password: Box; submit: Box }
export interface PathPoint {
  x: number
  y: number
  wait: number
}
export interface KeyPlan {
  ch: string
  hold: number
  gap: number
}
export interface SessionPlan {
  start: { x: number; y: number }
  steps: Array<{ path: PathPoint[]; hold: number; keys: KeyPlan[] }>
}
export interface ScreenOffset {
  dx: number
  dy: number
}
export interface LoginSite {
  url: string
  verdicts: Verdict[]
  tokens: string[]
  nextReady(ms?: number): Promise<ScreenOffset>
  nextVerdict(ms?: number): Promise<Verdict>
  close(): Promise<void>
}
export function startLoginSite(): Promise<LoginSite>
export function startXvfb(width?: number, height?: number): Promise<{ display: string; env: NodeJS.ProcessEnv; stop(): Promise<void> }>
export function rng(seed: number): () => number
export function pathPlan(r: () => number, from: { x: number; y: number }, target: Box): PathPoint[]
export function typingPlan(r: () => number, text: string): KeyPlan[]
export function sessionPlan(seed: number): SessionPlan
export const DRIVERS: readonly string[]
export function launchDriver(
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<{ session(url: string, plan: SessionPlan, ready: Promise<unknown>): Promise<void>; close(): Promise<void> }>
export function playXdotool(plan: SessionPlan, env: NodeJS.ProcessEnv, at?: ScreenOffset): Promise<void>
export function launchGenuine(
  site: LoginSite,
  env: NodeJS.ProcessEnv,
): Promise<{ session(plan: SessionPlan): Promise<Verdict>; close(): Promise<void> }>
export function injectedReason(verdict: Verdict): Verdict['reasons'][number] | undefined

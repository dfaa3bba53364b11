// Builds the input a rule sees, for rule unit tests.
import type { ParsedToken, SignalResult } from '@kenchi/protocol'
import type { RuleInput, VerifyContext } from '../../packages/server/src/rules/types.js'
import { memoryStore } from '../../packages/server/src/stores/memory.js'
import type { Store } from '../../packages/server/src/stores/types.js'

export function ruleInput(
  context: Partial<VerifyContext> = {},
  extra: { signals?: Record<string, SignalResult>; deviceId?: string; store?: Store; now?: number } = {},
): RuleInput {
  return {
    context: { action: 'login', ...context },
    token: { body: { s: extra.signals ?? {} } } as unknown as ParsedToken,
    device: { id: extra.deviceId ?? 'device-1', status: 'waiting', known: false },
    clues: { storedIds: [] },
    store: extra.store ?? memoryStore(),
    now: extra.now ?? 1_700_000_000_000,
  }
}

// @kenchi/server/adapters: the rate limiters the framework adapters use, for a framework
// without an adapter or a hand-written challenge route (docs/server.md, "Framework adapters";
// docs/rules.md, "Page views per IP"). The adapters are @kenchi/server/adapters/express,
// /fastify and /hono.
export { ChallengeLimiter } from './limit.js'
export type { ChallengeLimitOptions, LimitAnswer } from './limit.js'
export { createPageViewLimiter } from '../page-views.js'
export type { PageViewLimiterOptions, PageViewDecision } from '../page-views.js'

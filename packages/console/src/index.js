// @kenchi/console: the Kenchi console (events, devices, users, graph, charts, policy, lists,
// labels, CSV, attack mode) as a Node request handler with console users, roles, sessions,
// CSRF protection, an audit log and per-site views. See docs/console.md.
export { createConsole } from './console.js'
export { hashPassword, verifyPassword, ROLES } from './auth.js'
export { memoryConsoleStore, sqliteConsoleStore } from './stores.js'
export { mountExpress, mountFastify, mountHono } from './mount.js'
export { eventsCsv } from './csv.js'
export { eventStats, linkGraph, matches, parseFilter, scanEvents, MAX_SCAN, WINDOWS } from './query.js'
export { reasonCatalogue, reasonLabel, REASON_LABELS } from './reasons.js'

// npm run demo: starts the demo shop on http://127.0.0.1:3000 (or PORT, or a free port if taken).
import { SEEDED_ACCOUNTS, startDemo } from './app.mjs'

const wanted = Number(process.env.PORT ?? 3000)
let demo
try {
  demo = await startDemo({ port: wanted })
} catch (error) {
  if (error?.code !== 'EADDRINUSE') throw error
  demo = await startDemo({ port: 0 })
}
console.log(`Kenchi demo shop running at ${demo.url}`)
console.log('Demo accounts:')
for (const a of SEEDED_ACCOUNTS) console.log(`  ${a.email}  password: ${a.password}`)
console.log(`Mailbox (e-mail codes): ${demo.url}mailbox`)
console.log(`Admin console: ${demo.url}admin  (user: admin, password: ${demo.adminPassword})`)
console.log(`Admin API: curl -H 'authorization: Bearer ${demo.adminPassword}' ${demo.url}admin/api/events`)
console.log('Data (SQLite, secrets, accounts) in demo/.data/; delete it to start afresh. Ctrl+C to stop.')
const stop = () => demo.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

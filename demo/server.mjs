// npm run demo: starts the demo on http://127.0.0.1:3000 (or PORT, or a free port if taken).
import { startDemo } from './app.mjs'

const wanted = Number(process.env.PORT ?? 3000)
let demo
try {
  demo = await startDemo({ port: wanted })
} catch (error) {
  if (error?.code !== 'EADDRINUSE') throw error
  demo = await startDemo({ port: 0 })
}
console.log(`Kenchi demo running at ${demo.url}`)
console.log('Open it, submit the form, and see the verdict. Ctrl+C to stop.')
const stop = () => demo.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

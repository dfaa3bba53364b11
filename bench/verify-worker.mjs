// One verifier process of bench/verify.mjs's multi-process run: connects to the shared
// Redis, prepares its tokens, says `ready`, verifies one at a time from `go` for the given
// seconds and sends back every latency. Not meant to be run by hand.
import * as server from '@kenchi/server'
import { makeTokens, makeVerifier, newDevice, runVerify } from './lib/verify-common.mjs'

const { url, prefix, index, tokens: count, customers } = JSON.parse(process.argv[2])
try {
  const store = await server.redisStore({ url, prefix })
  const verifier = await makeVerifier(store)
  const devices = []
  for (let i = 0; i < customers; i++) devices.push(await newDevice())
  const tokens = await makeTokens(verifier, count + customers, (i) => devices[i % customers])
  const userPrefix = `w${index}-customer`
  await runVerify(verifier, tokens.splice(0, customers), { customers, userPrefix, succeed: true })
  process.on('message', async (m) => {
    if (m.type !== 'go') return
    const run = await runVerify(verifier, tokens, { customers, userPrefix, until: performance.now() + m.seconds * 1000 })
    process.send({
      type: 'done',
      latencies: run.latencies,
      seconds: run.seconds,
      decisions: run.decisions,
      exhausted: run.latencies.length === tokens.length,
    })
    await store.close()
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ type: 'ready' })
} catch (error) {
  process.send({ type: 'error', message: String(error?.stack ?? error) })
  process.exit(1)
}

import { runCli } from './cli.js'

void Promise.resolve(runCli(process.argv.slice(2))).then((code) => {
  process.exitCode = code
})

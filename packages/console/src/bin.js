// npx @kenchi/console hash-password: reads a password (from the terminal without echo, or
// from standard input when piped) and prints its scrypt hash for KENCHI_CONSOLE_ADMIN_PASSWORD_HASH
// or a `users` entry. The password is never taken from the command line (shell history).
import { hashPassword } from './auth.js'

const [command] = process.argv.slice(2)
if (command !== 'hash-password') {
  process.stderr.write('usage: kenchi-console hash-password   (reads the password from the terminal or standard input)\n')
  process.exit(command === undefined || command === '--help' || command === '-h' ? 0 : 2)
}

async function readPassword() {
  const stdin = process.stdin
  if (!stdin.isTTY) {
    let text = ''
    for await (const chunk of stdin) text += chunk
    return text.replace(/\r?\n$/, '')
  }
  process.stderr.write('Password: ')
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  let text = ''
  return new Promise((resolve, reject) => {
    stdin.on('data', (chunk) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') {
          stdin.setRawMode(false)
          stdin.pause()
          process.stderr.write('\n')
          return resolve(text)
        }
        if (c === '\u0003') return reject(new Error('cancelled'))
        if (c === '\u007f') text = text.slice(0, -1)
        else text += c
      }
    })
  })
}

try {
  const password = await readPassword()
  process.stdout.write(`${await hashPassword(password)}\n`)
} catch (error) {
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
}

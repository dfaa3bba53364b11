// A typical BotD integration: detect once the page has loaded and send the verdict with
// the form. Bundled by bench/lib/apps.mjs; the detection benchmark loads it on its login page.
import { load } from '@fingerprintjs/botd'

load({ monitoring: false })
  .then((botd) => botd.detect())
  .then(
    (result) => done(result),
    (error) => done({ error: String(error?.message ?? error) }),
  )

function done(result) {
  for (const input of document.querySelectorAll('input[name=botd]')) input.value = JSON.stringify(result)
  document.documentElement.dataset.botd = 'bot' in result ? String(result.bot) : 'error'
}

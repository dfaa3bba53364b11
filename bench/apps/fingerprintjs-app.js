// A typical FingerprintJS (open source) integration: load the agent, get the visitorId and
// send it with the form. Bundled by bench/lib/apps.mjs.
import FingerprintJS from '@fingerprintjs/fingerprintjs'

FingerprintJS.load({ monitoring: false })
  .then((agent) => agent.get())
  .then((result) => {
    for (const input of document.querySelectorAll('input[name=visitor-id]')) input.value = result.visitorId
  })

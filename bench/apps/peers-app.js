// What a shop using the peers does for the same job as Kenchi: FingerprintJS for the
// visitorId and BotD for the bot verdict, both ready before the form is sent. The page-cost
// benchmark (bench/client-cost.mjs) measures it next to Kenchi; bench/size.mjs weighs it.
import FingerprintJS from '@fingerprintjs/fingerprintjs'
import { load } from '@fingerprintjs/botd'

const fpAgent = FingerprintJS.load({ monitoring: false })
const botdAgent = load({ monitoring: false })

function fill(visitorId, bot) {
  for (const input of document.querySelectorAll('input[name=visitor-id]')) input.value = visitorId
  for (const input of document.querySelectorAll('input[name=botd]')) input.value = JSON.stringify(bot)
}

const ready = Promise.all([fpAgent.then((agent) => agent.get()), botdAgent.then((botd) => botd.detect())]).then(([fp, bot]) => {
  fill(fp.visitorId, bot)
  return performance.now()
})

window.Peers = {
  ready: () => ready,
  /** At submit: a fresh visitorId and a fresh BotD verdict. */
  async atSubmit() {
    const [agent, botd] = await Promise.all([fpAgent, botdAgent])
    const [fp] = await Promise.all([agent.get(), botd.collect()])
    fill(fp.visitorId, botd.detect())
  },
}

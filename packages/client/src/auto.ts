// Entry of the <script> tag build (dist/kenchi.js). Unlike the ESM entry, it starts on
// load: it reads its options from its own tag's data attributes, starts collecting and
// protects every form marked with data-kenchi. The instance is exposed as window.Kenchi.
//
//   <script src="/kenchi.js" data-challenge-url="/kenchi/challenge" async></script>
import { load, type Kenchi } from './client.js'
import { attachForms } from './forms.js'

const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null
const data = script?.dataset ?? {}
const timeout = Number(data.timeout)

const instance: Kenchi = load({ ...(data.challengeUrl ? { challengeUrl: data.challengeUrl } : {}) })
attachForms(instance, {
  ...(data.attribute ? { attribute: data.attribute } : {}),
  ...(data.field ? { field: data.field } : {}),
  ...(timeout > 0 ? { timeout } : {}),
})

/** Builds a token for `action` with the page's instance, for code that posts with fetch. */
export const token = (action: string): Promise<string> => instance.token(action)
/** Fetches a challenge for `action` ahead of time. */
export const prefetch = (action: string): void => instance.prefetch(action)

// Script-tag entry of the step-up helper (kenchi-stepup.min.js, global `KenchiStepUp`):
// mounts the code prompt on every `[data-kenchi-step-up]` element once the page is parsed.
import { createStepUpClient, mountAll, mountCodePrompt, DEFAULT_TEXTS } from './stepup.js'

export { createStepUpClient, mountAll, mountCodePrompt, DEFAULT_TEXTS }

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mountAll(), { once: true })
  else mountAll()
}

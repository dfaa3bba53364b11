// Finds and launches a Chromium for the browser tests: the shared finder in
// scripts/find-chromium.mjs (KENCHI_CHROMIUM or CHROME_PATH, then chromium / google-chrome on
// PATH, the usual install locations, then Playwright's own browser if one was installed).
export { CHROMIUM_ARGS, findChromium, launchChromium } from '../../scripts/find-chromium.mjs'

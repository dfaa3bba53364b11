// A typical web-vitals integration: report the three Core Web Vitals to the server.
// Bundled by bench/lib/apps.mjs (web-vitals is a size reference, not a bot detector).
import { onCLS, onINP, onLCP } from 'web-vitals'

const send = (metric) => navigator.sendBeacon('/vitals', JSON.stringify({ name: metric.name, value: metric.value }))
onCLS(send)
onINP(send)
onLCP(send)

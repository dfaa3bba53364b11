export { createNotifier, ALERTS_SUPPRESSED } from './notifier.js'
export type { Alert, MailTransport, Notifier, NotifierOptions, NotifierStats } from './notifier.js'
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook.js'

import { createHmac, timingSafeEqual } from 'node:crypto'

/** Header carrying `sha256=<hex>`: HMAC-SHA-256, keyed with the shared secret, of `<timestamp>.<body>`. */
export const SIGNATURE_HEADER = 'x-kenchi-signature'
/** Header carrying the sending time in Unix seconds; it is part of what is signed. */
export const TIMESTAMP_HEADER = 'x-kenchi-timestamp'

/** The signature header value for a body sent at `timestamp` (Unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/**
 * Checks a received webhook: the signature over `<timestamp>.<body>` (constant-time) and
 * that the timestamp is within `toleranceSeconds` (default 300) of `now` (Unix ms), which
 * stops replays of old deliveries. `body` is the raw request body as received.
 */
export function verifyWebhook(
  secret: string,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const signature = headers[SIGNATURE_HEADER]
  const timestampText = headers[TIMESTAMP_HEADER]
  if (typeof signature !== 'string' || typeof timestampText !== 'string' || !/^\d{1,12}$/.test(timestampText)) return false
  const timestamp = Number(timestampText)
  const now = (options.now ?? Date.now()) / 1000
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false
  const expected = Buffer.from(signWebhook(secret, timestamp, body))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

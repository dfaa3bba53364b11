// The mails the shop's confirmation links go out in (createConfirmations from
// @kenchi/server: signed, expiring, single-use links). Like every demo mail they land on the
// /mailbox page, with the link made clickable there.
import { normalEmail } from '../lib/accounts.mjs'

/** What a confirmation link can confirm; each is one `purpose` of the confirmations. */
export const CONFIRM_PURPOSES = ['registration', 'password_reset', 'newsletter', 'inquiry', 'restock', 'guest_checkout']

const WHAT = {
  registration: ['Confirm your new account', 'Please open this link to confirm your e-mail address and create your account:'],
  password_reset: [
    'Choose a new password',
    'Someone (we hope you) asked to reset the password of your account. Open this link to choose a new one:',
  ],
  newsletter: ['Confirm your newsletter subscription', 'Please open this link to confirm that you want our newsletter:'],
  inquiry: ['Confirm your message', 'Please open this link to confirm the message you sent us, and we will read it:'],
  restock: ['Confirm your restock alert', 'Please open this link to confirm that we may tell you when the item is back in stock:'],
  guest_checkout: ['Confirm your order', 'Please open this link to confirm your order:'],
}

/**
 * The confirmations' sender. A password-reset link goes only to an address that has an
 * account: `confirmations.send()` does the same work for every address and answers before
 * delivery, so the page cannot tell whether an account exists, and only this last step
 * (the mail itself) differs.
 * @param {{ accounts: Map<string, unknown>, deliver: (mail: { to: string, subject: string, text: string, link?: string }) => void }} options
 * @returns {import('@kenchi/server/stepup').CodeSender}
 */
export function confirmationSender({ accounts, deliver }) {
  return {
    channel: 'email',
    async send(message) {
      if (message.purpose === 'password_reset' && !accounts.has(normalEmail(message.to))) return
      const [subject, intro] = WHAT[message.purpose] ?? ['Please confirm', 'Please open this link to confirm:']
      const minutes = Math.max(1, Math.round((message.expiresAt - Date.now()) / 60_000))
      const text = [
        intro,
        '',
        message.link,
        '',
        `The link works once, for about ${minutes} minutes.`,
        'If you did not ask for this, ignore this message: nothing happens without the link.',
      ].join('\n')
      deliver({ to: message.to, subject, text, ...(message.link ? { link: message.link } : {}) })
    },
  }
}

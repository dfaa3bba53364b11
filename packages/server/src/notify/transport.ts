/** A minimal mail transport: nodemailer's `Transporter` fits. */
export interface MailTransport {
  sendMail(message: { from: string; to: string | string[]; subject: string; text: string }): Promise<unknown>
  close?(): void
}

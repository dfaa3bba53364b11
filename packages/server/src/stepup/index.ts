export { createStepUp, STEP_UP_ERROR_CODES } from './stepup.js'
export type { StepUp, StepUpOptions, StepUpErrorCode, StepUpFailure, StepUpStarted } from './stepup.js'
export { emailSender, defaultCompose } from './sender.js'
export type { CodeMessage, CodeSender, EmailSenderOptions } from './sender.js'

// Reading form and JSON fields without trusting them: a field is a string or it is empty,
// whatever the request sent (arrays, objects, numbers), and it is cut to a maximum length.

/** The field as a trimmed string of at most `max` characters; '' for anything that is not a string. */
export const text = (value, max = 200) => (typeof value === 'string' ? value.trim().slice(0, max) : '')

/** A password field as typed (not trimmed: spaces count), at most `max` characters; '' for anything that is not a string. */
export const password = (value, max = 200) => (typeof value === 'string' ? value.slice(0, max) : '')

/** A plausible e-mail address (the demo does not check deliverability). */
export const isEmail = (value) => typeof value === 'string' && value.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)

// Matching control characters is the point of these two (the lint's no-control-regex).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

/** No control characters (line breaks allowed only where `multiline`). */
export const printable = (value, multiline = false) => !(multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(value)

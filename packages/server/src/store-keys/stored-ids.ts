// First-party stored ids (cookie, localStorage, IndexedDB), kept in the user–device link
// table as pairs (device id, `sid:<id>`): the device on the user side, so a stored id never
// counts as a device of an account. Written and read by the verifier (`verdict.device.linked`),
// read by the console's graph.

/** The prefix of a stored-id link; the console tells stored ids from devices by it. */
export const STORED_ID_PREFIX = 'sid:'

/** The link-table "device" side of a stored id (`sid:<id>`). */
export const storedIdKey = (id: string): string => `${STORED_ID_PREFIX}${id}`

// Writes packages/protocol/test-vectors/*.json: inputs and expected results that a
// compatible implementation (another client, another server) can check itself against.
// Run after `npm run build`: node scripts/generate-vectors.mjs. The files are committed;
// the tests check the implementation against them and never regenerate them.
import { createHmac } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import {
  CONTACT_KIND,
  decodeContacts,
  decodeInputs,
  decodeKeys,
  FORM_EVENT,
  formCode,
  INPUT_EVENT,
  inputCode,
  keyCode,
  VISIBILITY_EVENT,
  assembleChallenge,
  base64urlEncode,
  canonicalize,
  challengeSigningInput,
  jwkThumbprint,
  signToken,
  solvePow,
  tokenSigningInput,
  utf8,
} from '@kenchi/protocol'
import { importSource } from './import-source.mjs'

// The modality summary in behaviour.json is the server's reading (internal to @kenchi/server).
const { extractTiming } = await importSource('packages/server/src/behaviour/timing.ts')

const out = new URL('../packages/protocol/test-vectors/', import.meta.url)
const SERVER = {
  keys: [{ id: 'k1', secret: 'kenchi-test-vector-secret-0000000000001' }],
  origins: ['https://shop.example'],
  now: 1_800_000_000_000,
  clockTolerance: 30,
}
const NOW_S = SERVER.now / 1000

// A fixed device key so anyone can re-sign; ECDSA signatures are randomised, so the
// tokens below are one valid signing, not the only one.
const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey)
const publicJwk = { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y }
const thumbprint = await jwkThumbprint(publicJwk)
const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])

function challenge(change = {}, secret = SERVER.keys[0].secret) {
  const payload = {
    v: 1,
    kid: 'k1',
    n: 'dGVzdC12ZWN0b3Itbm9uY2U',
    iat: NOW_S - 60,
    exp: NOW_S + 540,
    act: 'login',
    org: 'https://shop.example',
    ...change,
  }
  const input = challengeSigningInput(payload)
  return assembleChallenge(input, new Uint8Array(createHmac('sha256', secret).update(input).digest()))
}

const signals = {
  automation: { v: [], d: 0 },
  fingerprint: {
    v: {
      g: {
        audio: '2336ba0a',
        fonts: 'cefe11c5',
        graphics: '5ddd05fb',
        hardware: 'd347240a',
        locale: '5fa2e551',
        math: 'ab1db0f3',
        other: 'eeb5787d',
        prefs: '87df2072',
        screen: 'b8158beb',
      },
    },
    d: 41,
  },
  ids: { v: { c: 'q1Z8mQ0bVbq2kCWm7Yx3hA', i: 'q1Z8mQ0bVbq2kCWm7Yx3hA', l: null, n: 'q1Z8mQ0bVbq2kCWm7Yx3hA' }, d: 2 },
  languages: { v: ['ja-JP', 'ja-JP', 'en-US'], d: 0 },
  screen: { v: [1920, 1080, 1920, 1040, 24, 1.25, 1280, 900, 1280, 1000], d: 0 },
  timezone: { v: ['Asia/Tokyo', -540], d: 1 },
  userAgent: { v: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', d: 0 },
  webdriver: { v: false, d: 0 },
  fonts: { e: 'timeout', d: 0 },
}

function body(c, change = {}) {
  return { v: 1, c, o: 'https://shop.example', t: SERVER.now - 1500, k: publicJwk, ks: 'idb', s: signals, ...change }
}

const sign = (b, key = pair.privateKey) => signToken(b, key)
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** The same 32 bytes with a spare bit of the last character set. */
const respell = (x) => x.slice(0, 42) + ALPHABET[ALPHABET.indexOf(x[42]) ^ 1]
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
/** The token with its (low-S) signature's s replaced by n - s. */
function highS(token) {
  const parts = token.split('.')
  const sig = Buffer.from(parts[2], 'base64url')
  const s = BigInt('0x' + sig.subarray(32).toString('hex'))
  return `${parts[0]}.${parts[1]}.${Buffer.concat([sig.subarray(0, 32), Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex')]).toString('base64url')}`
}
const tokenOf = (bytesOrText) =>
  `kt1.${base64urlEncode(typeof bytesOrText === 'string' ? utf8(bytesOrText) : bytesOrText)}.${base64urlEncode(new Uint8Array(64))}`
const login = { action: 'login' }
const cases = []
const add = (name, token, expect, extra = {}) => cases.push({ name, token, context: extra.context ?? login, expect, ...extra.more })
const allow = { decision: 'allow', codes: [] }
const deny = (code) => ({ decision: 'deny', codes: [code] })

const good = body(challenge())
const goodToken = await sign(good)
add('valid token', goodToken, [allow], { more: { body: good, signingInput: tokenSigningInput(good), deviceId: thumbprint } })
add('the same valid token twice: the second is a replay', goodToken, [allow, deny('TOKEN_REPLAYED')])
const powChallenge = challenge({ n: 'cG93LXZlY3Rvci1ub25jZQ', pow: 8 })
const w = await solvePow('cG93LXZlY3Rvci1ub25jZQ', 8)
const powBody = body(powChallenge, { w })
add('valid token with an 8-bit proof of work', await sign(powBody), [allow], {
  more: { body: powBody, signingInput: tokenSigningInput(powBody) },
})
add('proof of work asked for but not given', await sign(body(powChallenge)), [deny('POW_INVALID')])
add('challenge for another action (cross-action)', await sign(body(challenge({ act: 'register' }))), [deny('ACTION_MISMATCH')])
add('challenge MAC made with another secret (forged)', await sign(body(challenge({}, 'attacker-secret-attacker-secret-attacker'))), [
  deny('CHALLENGE_FORGED'),
])
add('challenge names a key id the server does not hold', await sign(body(challenge({ kid: 'k7' }))), [deny('CHALLENGE_UNKNOWN_KEY')])
add('challenge expired beyond the 30 s tolerance', await sign(body(challenge({ iat: NOW_S - 700, exp: NOW_S - 31 }))), [
  deny('TOKEN_EXPIRED'),
])
add('challenge expired within the 30 s tolerance', await sign(body(challenge({ iat: NOW_S - 700, exp: NOW_S - 29 }))), [allow])
add('challenge issued in the future beyond the tolerance', await sign(body(challenge({ iat: NOW_S + 60, exp: NOW_S + 600 }))), [
  deny('CHALLENGE_NOT_YET_VALID'),
])
add('token made on another origin', await sign(body(challenge(), { o: 'https://evil.example' })), [deny('ORIGIN_MISMATCH')])
add(
  'challenge for an origin the server does not list',
  await sign(body(challenge({ org: 'https://evil.example' }), { o: 'https://evil.example' })),
  [deny('ORIGIN_MISMATCH')],
)
add('request Origin header differs from the challenge', goodToken, [deny('ORIGIN_MISMATCH')], {
  context: { action: 'login', origin: 'https://evil.example' },
})
add('signed by a different key than the one in the token', await sign(good, other.privateKey), [deny('DEVICE_SIGNATURE_INVALID')])
add('navigator.webdriver is true', await sign(body(challenge(), { s: { ...signals, webdriver: { v: true, d: 0 } } })), [
  { decision: 'deny', codes: ['AUTOMATION'] },
])
// Stream q (input clock): 24 mouse/key records. On one 0.1 ms phase (X11 input) no opinion;
// spread over every digit (DevTools-protocol input) INJECTED_INPUT on this Linux Chromium.
const clock = (digit) => Array.from({ length: 24 }, (_, i) => [40, digit(i) * 2 + (i % 2)]).flat()
const x11Body = body(challenge(), { b: { q: clock((i) => (i === 5 ? 4 : 3)) } })
add('behaviour stream q on one timestamp phase (operating-system input)', await sign(x11Body), [allow], {
  more: { body: x11Body, signingInput: tokenSigningInput(x11Body) },
})
add(
  'behaviour stream q on every timestamp phase (DevTools-protocol input)',
  await sign(body(challenge(), { b: { q: clock((i) => (i * 7) % 10) } })),
  [{ decision: 'challenge', codes: ['INJECTED_INPUT'] }],
)
add('no token', '', [{ decision: 'challenge', codes: ['TOKEN_MISSING'] }])
add('larger than 12288 bytes', 'kt1.' + 'A'.repeat(12_285), [deny('TOKEN_TOO_LARGE')])
add('two segments', goodToken.split('.').slice(0, 2).join('.'), [deny('TOKEN_MALFORMED')])
add('padding in a segment', goodToken + '=', [deny('TOKEN_MALFORMED')])
add(
  'body is not canonical JSON (keys unsorted)',
  tokenOf(JSON.stringify({ v: 1, c: good.c, o: good.o, t: good.t, k: good.k, ks: 'idb', s: {} })),
  [deny('TOKEN_MALFORMED')],
)
add('body is not UTF-8', tokenOf(new Uint8Array([0xc3, 0x28])), [deny('TOKEN_MALFORMED')])
add('version 2 prefix', goodToken.replace(/^kt1/, 'kt2'), [deny('TOKEN_UNSUPPORTED_VERSION')])
add('unknown body member', await sign(body(challenge(), { x: 1 })), [deny('TOKEN_SCHEMA_INVALID')])
add('nesting deeper than 8', tokenOf(canonicalize({ v: 1, s: { a: { v: [[[[[[[1]]]]]]], d: 0 } } })), [deny('TOKEN_LIMIT_EXCEEDED')])
add('challenge is not a challenge', await sign(body('kc1.e30.AAAA')), [deny('CHALLENGE_MALFORMED')])
// Several faults: the challenge's key id, MAC and times are checked before the body is
// parsed (after the framing), so they come first (docs/protocol.md, "Verification order").
// `parse` is what parseToken alone says of such a token.
const forgedChallenge = challenge({}, 'attacker-secret-attacker-secret-attacker')
add(
  'forged challenge MAC in a body that breaks the schema (the MAC comes first)',
  await sign(body(forgedChallenge, { x: 1 })),
  [deny('CHALLENGE_FORGED')],
  { more: { parse: 'TOKEN_SCHEMA_INVALID' } },
)
add(
  'expired challenge in a body that is not canonical (the expiry comes first)',
  tokenOf(JSON.stringify({ v: 1, c: challenge({ iat: NOW_S - 700, exp: NOW_S - 31 }), o: good.o, t: good.t, k: good.k, ks: 'idb', s: {} })),
  [deny('TOKEN_EXPIRED')],
  { more: { parse: 'TOKEN_MALFORMED' } },
)
add(
  'unknown key id in a body nested deeper than 8 (the key id comes first)',
  tokenOf(canonicalize({ v: 1, c: challenge({ kid: 'k7' }), s: { a: { v: [[[[[[[1]]]]]]], d: 0 } } })),
  [deny('CHALLENGE_UNKNOWN_KEY')],
  { more: { parse: 'TOKEN_LIMIT_EXCEEDED' } },
)
add(
  'challenge issued in the future in a body of version 2 (the issue time comes first)',
  await sign(body(challenge({ iat: NOW_S + 60, exp: NOW_S + 600 }), { v: 2 })),
  [deny('CHALLENGE_NOT_YET_VALID')],
  { more: { parse: 'TOKEN_UNSUPPORTED_VERSION' } },
)
add(
  'non-canonical body whose first "c":" is a forged challenge in a signal value (found first, refused)',
  tokenOf(
    `{"s":{"a":{"v":{"c":"${forgedChallenge}"},"d":0}},"c":"${good.c}","k":${JSON.stringify(good.k)},"ks":"idb","o":"${good.o}","t":${good.t},"v":1}`,
  ),
  [deny('CHALLENGE_FORGED')],
  { more: { parse: 'TOKEN_MALFORMED' } },
)
add(
  'non-canonical body whose first "c":" is a genuine challenge, the real one forged (parsed in full, refused)',
  tokenOf(
    `{"s":{"a":{"v":{"c":"${good.c}"},"d":0}},"c":"${forgedChallenge}","k":${JSON.stringify(good.k)},"ks":"idb","o":"${good.o}","t":${good.t},"v":1}`,
  ),
  [deny('TOKEN_MALFORMED')],
)
add('forged challenge in a token with a 63-byte signature (framing comes first)', (await sign(body(forgedChallenge))).slice(0, -2), [
  deny('TOKEN_MALFORMED'),
])
add(
  'genuine challenge in a body that is not canonical (the body is parsed: its code)',
  tokenOf(canonicalize(good).replace(',"o"', ', "o"')),
  [deny('TOKEN_MALFORMED')],
)
// One key, one spelling: the last of 43 characters has 2 spare bits, which must be zero.
add(
  'key coordinate with a non-zero spare bit (another spelling of the same key)',
  await sign(body(challenge(), { k: { ...publicJwk, x: respell(publicJwk.x) } })),
  [deny('TOKEN_SCHEMA_INVALID')],
)
// One signature, one form: (r, n - s) is read as (r, s); both spellings share the nonce.
add('high-S form of a valid signature (read as its low-S form)', highS(goodToken), [allow, deny('TOKEN_REPLAYED')])

await writeFile(
  new URL('verify.json', out),
  JSON.stringify(
    {
      description:
        "Tokens and what verify() must return for each, in order, on a fresh verifier configured with `server` whose clock reads `server.now` (Unix ms). `expect` lists one result per verification of the same token. `body` and `signingInput` are given for valid tokens so a client implementation can check its canonical serialisation byte for byte. `parse`, on tokens with several faults, is the code the body parse alone gives (the verdict has the challenge's code: its key id, MAC and times are checked before the body is parsed). Default rules (automation) apply.",
      server: SERVER,
      device: { privateJwk: { ...privateJwk, key_ops: undefined, ext: undefined }, publicJwk, thumbprint },
      cases,
    },
    null,
    2,
  ) + '\n',
)

const canonical = [
  ['{"b":1,"a":2}', '{"a":2,"b":1}'],
  ['{ "a" : [ 1 , 2 ] }', '{"a":[1,2]}'],
  ['[1.0, 1e2, -0, 0.1, 1e21, 1e-7, 1.25]', '[1,100,0,0.1,1e+21,1e-7,1.25]'],
  ['{"z":{"y":1,"x":[{"b":true,"a":null}]}}', '{"z":{"x":[{"a":null,"b":true}],"y":1}}'],
  ['"\\u00e9\\n\\u2028\\u0001\\/"', '"é\\n\u2028\\u0001/"'],
  ['{"é":1,"z":2,"\\ud83d\\ude00":3,"\\ufffd":4}', '{"z":2,"é":1,"\u{1F600}":3,"\uFFFD":4}'],
].map(([json, expected]) => ({ json, canonical: expected, base64url: base64urlEncode(utf8(expected)) }))
await writeFile(
  new URL('canonical.json', out),
  JSON.stringify({ description: 'JSON text in, canonical serialisation out (and its base64url).', cases: canonical }, null, 2) + '\n',
)

const b64 = [[], [0], [0, 1], [0, 1, 2], [255, 254, 253, 252], [251, 255, 191]].map((bytes) => ({
  hex: Buffer.from(bytes).toString('hex'),
  base64url: base64urlEncode(new Uint8Array(bytes)),
}))
await writeFile(
  new URL('base64url.json', out),
  JSON.stringify(
    {
      description: 'Unpadded base64url. `invalid` strings must be rejected.',
      cases: b64,
      invalid: ['A', 'AB', 'AA==', 'A+A', 'A/A', 'AAAAA', 'A A'],
    },
    null,
    2,
  ) + '\n',
)
// Behaviour streams: `b` sections in, decoded records and modality features out. The first
// case is a stream of a client before input modality (no `i`, `c`, no modality bits).
const behaviourCases = [
  {
    name: 'desktop keyboard, a client before modality: every key physical',
    b: { k: [1000, keyCode(1, 1, false), 95, keyCode(1, 1, true), 60, keyCode(1, 2, false), 80, keyCode(1, 2, true)], x: [2000, 0] },
  },
  {
    name: 'Android on-screen keyboard: 229 pairs after a tap, keyboard opening, a correction and a suggestion',
    b: {
      k: [1500, keyCode(1, 0, false, 5), 12, keyCode(1, 0, true, 5), 300, keyCode(1, 0, false, 5), 9, keyCode(1, 0, true, 5)],
      i: [1813, inputCode(1, INPUT_EVENT.delete), 200, inputCode(1, INPUT_EVENT.replacement)],
      c: [1200, CONTACT_KIND.touch, 85, 23, 0, 1500, CONTACT_KIND.touch, 70, 21, 0],
      v: [1300, VISIBILITY_EVENT.keyboardOpen, 2000, VISIBILITY_EVENT.keyboardClose],
      x: [3500, 0],
    },
  },
  {
    name: 'iOS on-screen keyboard: real keys, down and up together, touch bit',
    b: {
      k: [1500, keyCode(1, 1, false, 4), 1, keyCode(1, 1, true, 4), 280, keyCode(1, 1, false, 4), 2, keyCode(1, 1, true, 4)],
      x: [2500, 0],
    },
  },
  {
    name: 'Japanese IME: composing keys, composition steps, commit; a two-finger contact',
    b: {
      k: [2000, keyCode(2, 0, false, 7), 10, keyCode(2, 0, true, 7)],
      i: [
        2001,
        inputCode(2, INPUT_EVENT.compositionStart),
        0,
        inputCode(2, INPUT_EVENT.compositionUpdate),
        250,
        inputCode(2, INPUT_EVENT.compositionUpdate),
        400,
        inputCode(2, INPUT_EVENT.compositionEnd),
      ],
      c: [900, CONTACT_KIND.touch, 120, 30, 45, 20, 4 + CONTACT_KIND.touch, 90, 28, 40],
      x: [4000, 0],
    },
  },
  {
    name: 'autofill and paste: inputs without a key, no keys at all',
    b: {
      f: [900, formCode(1, FORM_EVENT.focus), 5, formCode(1, FORM_EVENT.autofill)],
      i: [905, inputCode(1, INPUT_EVENT.none), 300, inputCode(2, INPUT_EVENT.paste)],
      x: [2000, 0],
    },
  },
].map((c) => {
  const m = extractTiming(c.b).modality
  return {
    ...c,
    expect: {
      keys: decodeKeys(c.b.k),
      inputs: decodeInputs(c.b.i),
      contacts: decodeContacts(c.b.c),
      modality: {
        physicalDowns: m.physical.downs,
        onScreenDowns: m.onScreen.downs,
        onScreenHolds: m.onScreen.holds,
        imeKeys: m.imeKeys,
        inputs: m.inputs,
        compositionIntervals: m.composition.intervals,
        contactDurations: m.contacts.durations,
        multiTouch: m.contacts.multiTouch,
        keyboardOpens: m.keyboardOpens,
      },
    },
  }
})
await writeFile(
  new URL('behaviour.json', out),
  JSON.stringify(
    {
      description:
        'Behaviour sections (`b`) in; decoded key, input and contact records and the modality summary out (docs/protocol.md "Behaviour streams").',
      cases: behaviourCases,
    },
    null,
    2,
  ) + '\n',
)
console.log(
  `wrote ${cases.length} verify cases, ${canonical.length} canonical cases, ${b64.length} base64url cases, ${behaviourCases.length} behaviour cases`,
)

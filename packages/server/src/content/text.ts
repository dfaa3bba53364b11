/**
 * Text checks for form content: URLs and unreadable (random-looking) strings. Pure
 * functions, no data files.
 */

/** Normalises form text for matching: NFKC (full-width to ASCII), lower case, white space collapsed. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()
}

// A scheme URL, a www. host, or a host name with a path (example.com/x); NFKC first, so
// full-width "ｈｔｔｐｓ：／／" is found too. "hxxp" is how spammers dodge naive filters.
const URL_PATTERN =
  /(?:\b(?:h(?:tt|xx)ps?|ftp):\/\/\S|\bwww\.[a-z0-9-]+\.[a-z]|\b[a-z0-9-]{2,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24}\/\S)\S*/gi

/** Number of URLs in `text` (scheme URLs, `www.` hosts, host names followed by a path). */
export function countUrls(text: string): number {
  return text.normalize('NFKC').match(URL_PATTERN)?.length ?? 0
}

/** Kinds of unreadable strings `gibberish()` reports. */
export type GibberishFinding = 'consonant-run' | 'few-vowels' | 'mixed-classes' | 'keyboard-row' | 'no-japanese'

const VOWELS = new Set('aeiouy')
const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm']
const JAPANESE = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]/
const LETTER = /\p{L}/u

/**
 * Looks for an unreadable, random-looking string, as a bot filling forms with generated
 * values leaves. Only runs of ASCII letters and digits ("words") are judged; kana, kanji
 * and other scripts are never judged unreadable, so Japanese names and addresses pass.
 * URLs and e-mail addresses are removed first. A word is unreadable when:
 * - `consonant-run`: 7 or more consonants in a row (`y` counts as a vowel; English and
 *   romanised Japanese stay under 7: "Knightsbridge" has 6);
 * - `few-vowels`: 8 or more letters of which under 10% are vowels ("bcdfgabcdfgh"; "strengths" has 11%);
 * - `mixed-classes`: 10 or more characters mixing lower case, upper case and digits, with
 *   a change of class at more than half the positions ("xK9fQ2mZ7p"; "iPhone15Pro" has 5 in 10);
 * - `keyboard-row`: 5 keys in a row of a QWERTY keyboard ("asdfg", "qwert").
 * With `expectJapanese`, a value with letters but no kana or kanji is `no-japanese` (for
 * fields a Japanese form fills in Japanese, such as a furigana field).
 * Returns the first finding, or `undefined`.
 */
export function gibberish(text: string, options: { expectJapanese?: boolean } = {}): GibberishFinding | undefined {
  const value = text.normalize('NFKC').slice(0, 10_000)
  const stripped = value.replace(/\S+@\S+/g, ' ').replace(URL_PATTERN, ' ')
  for (const word of stripped.match(/[A-Za-z0-9]+/g) ?? []) {
    const finding = judgeWord(word)
    if (finding !== undefined) return finding
  }
  if (options.expectJapanese && LETTER.test(value) && !JAPANESE.test(value)) return 'no-japanese'
  return undefined
}

function judgeWord(word: string): GibberishFinding | undefined {
  const lower = word.toLowerCase()
  const letters = lower.replace(/[0-9]/g, '')
  let run = 0
  let vowels = 0
  for (const ch of lower) {
    if (ch >= '0' && ch <= '9') {
      run = 0
      continue
    }
    if (VOWELS.has(ch)) {
      vowels++
      run = 0
    } else if (++run >= 7) {
      return 'consonant-run'
    }
  }
  if (word.length >= 10) {
    let transitions = 0
    const classes = new Set<string>()
    let prev = ''
    for (const ch of word) {
      const cls = ch >= '0' && ch <= '9' ? 'd' : ch === ch.toUpperCase() ? 'u' : 'l'
      classes.add(cls)
      if (prev !== '' && cls !== prev) transitions++
      prev = cls
    }
    if (classes.size >= 2 && transitions / (word.length - 1) > 0.5) return 'mixed-classes'
  }
  if (letters.length >= 8 && vowels / letters.length < 0.1) return 'few-vowels'
  if (letters.length >= 5) {
    for (const row of KEYBOARD_ROWS) {
      for (let i = 0; i + 5 <= row.length; i++) if (letters.includes(row.slice(i, i + 5))) return 'keyboard-row'
    }
  }
  return undefined
}

/**
 * Text normalisation for banned-term matching. Both the prompt and every banned term go
 * through the same functions, so whatever a fold loses on one side it loses on the other.
 */

// Soft hyphen, Mongolian vowel separator, zero-width space/joiners, bidi marks and
// controls, word joiner and invisible operators, BOM: all invisible, all used to split words.
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;
const COMBINING_MARK = /\p{M}/gu;

// Letters that carry their "accent" in the base character, so NFD leaves them whole.
const UNDECOMPOSED: Readonly<Record<string, string>> = {
  ø: "o",
  ł: "l",
  đ: "d",
  ð: "d",
  ħ: "h",
  ı: "i",
  ß: "ss",
  æ: "ae",
  œ: "oe",
  þ: "th",
};
const UNDECOMPOSED_RE = new RegExp(`[${Object.keys(UNDECOMPOSED).join("")}]`, "g");

/**
 * Light normalisation: Unicode NFKC (fullwidth and styled letters become plain), case
 * folded, diacritics stripped, invisible characters removed, whitespace collapsed.
 * Regex terms run on this form, so a moderator's pattern sees ordinary lowercase text.
 */
export function foldText(text: string): string {
  return text
    .normalize("NFKC")
    .replace(INVISIBLE, "")
    .toLowerCase()
    .normalize("NFD")
    .replace(COMBINING_MARK, "")
    .replace(UNDECOMPOSED_RE, (letter) => UNDECOMPOSED[letter] ?? letter)
    .replace(/\s+/g, " ")
    .trim();
}

// Leetspeak digits and symbols, mapped only inside words that have a letter or a symbol
// (see `skeletonWords`), so plain numbers like "1024" or "7 cats" stay numbers.
const LEET: Readonly<Record<string, string>> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "8": "b",
  "9": "g",
  "@": "a",
  $: "s",
  "!": "i",
  "|": "i",
};
const LEET_RE = /[013457890@$!|]/g;
const HAS_NON_DIGIT = /[^\d]/;

// "1" and "|" read as either "i" or "l"; folding "l" into "i" on both sides lets one
// skeleton cover both readings ("ki11" and "kill" both become "kiii").
const CONFUSABLE_RE = /l/g;

// A word: letters, digits, "@" and "$" (leet letters anywhere). "!" and "|" are ambiguous:
// leet in "sh!t" and "ki||", punctuation in "hello!" and prompt syntax in "cat|dog". Text
// is read both ways (see `skeletonReadings`); terms are read with them as letters.
const WORD_WITH_SYMBOLS_RE = /[\p{L}\p{N}@$!|]*[\p{L}\p{N}@$][\p{L}\p{N}@$!|]*/gu;
const WORD_RE = /[\p{L}\p{N}@$]+/gu;
const AMBIGUOUS_SYMBOL = /[!|]/;

export function skeletonWords(text: string, symbolsAsLetters = true): string[] {
  const tokens = foldText(text).match(symbolsAsLetters ? WORD_WITH_SYMBOLS_RE : WORD_RE) ?? [];
  const joined: string[] = [];
  let run = "";
  for (const token of tokens) {
    // Array.from counts code points, so a single astral letter is still one character.
    if (Array.from(token).length === 1) {
      run += token;
      continue;
    }
    if (run) joined.push(run);
    run = "";
    joined.push(token);
  }
  if (run) joined.push(run);
  return joined.map((word) =>
    HAS_NON_DIGIT.test(word)
      ? word.replace(LEET_RE, (char) => LEET[char] ?? char).replace(CONFUSABLE_RE, "i")
      : word,
  );
}

/** `skeletonWords` joined by single spaces: the form plain terms are matched in. */
export function skeleton(text: string, symbolsAsLetters = true): string {
  return skeletonWords(text, symbolsAsLetters).join(" ");
}

/** The skeletons of a prompt: one reading, or two when "!" or "|" could be either. */
export function skeletonReadings(text: string): string[] {
  const withSymbols = skeleton(text, true);
  return AMBIGUOUS_SYMBOL.test(text) ? [withSymbols, skeleton(text, false)] : [withSymbols];
}

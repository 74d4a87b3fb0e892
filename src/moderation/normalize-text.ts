import { scanWords } from "./scan-words.js";

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
const NON_ASCII = /[\u0080-\uffff]/;
const WHITESPACE_RUN = /\s+/g;

/**
 * Light normalisation: Unicode NFKC (fullwidth and styled letters become plain), case
 * folded, diacritics stripped, invisible characters removed, whitespace collapsed.
 * Regex terms run on this form, so a moderator's pattern sees ordinary lowercase text.
 */
export function foldText(text: string): string {
  // Plain ASCII (most prompts) has nothing for NFKC, NFD, marks or invisible characters to change.
  if (!NON_ASCII.test(text)) return text.toLowerCase().replace(WHITESPACE_RUN, " ").trim();
  return text
    .normalize("NFKC")
    .replace(INVISIBLE, "")
    .toLowerCase()
    .normalize("NFD")
    .replace(COMBINING_MARK, "")
    .replace(UNDECOMPOSED_RE, (letter) => UNDECOMPOSED[letter] ?? letter)
    .replace(WHITESPACE_RUN, " ")
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
const HAS_NON_DIGIT = /[^\d]/;

// "1" and "|" read as either "i" or "l"; folding "l" into "i" on both sides lets one
// skeleton cover both readings ("ki11" and "kill" both become "kiii").
const CONFUSABLE: Readonly<Record<string, string>> = { l: "i" };

// The letter each ASCII character reads as, by char code (a lookup per character, no regex
// callback per match: a 6000-character leet word costs tens of microseconds, not hundreds).
const READS_AS: readonly (string | undefined)[] = (() => {
  const table: (string | undefined)[] = new Array<string | undefined>(128).fill(undefined);
  for (const [from, to] of Object.entries({ ...LEET, ...CONFUSABLE })) table[from.charCodeAt(0)] = to;
  return table;
})();

/** The word with leet characters read as letters and "l" folded into "i". */
function readLeet(word: string): string {
  let read = "";
  let copiedUpTo = 0;
  for (let index = 0; index < word.length; index++) {
    const code = word.charCodeAt(index);
    const letter = code < 128 ? READS_AS[code] : undefined;
    if (letter === undefined) continue;
    read += word.slice(copiedUpTo, index) + letter;
    copiedUpTo = index + 1;
  }
  return copiedUpTo === 0 ? word : read + word.slice(copiedUpTo);
}

// "!" and "|" are ambiguous: leet in "sh!t" and "ki||", punctuation in "hello!" and prompt
// syntax in "cat|dog". Text is read both ways (see `skeletonReadings`); terms are read with
// them as letters.
const AMBIGUOUS_SYMBOL = /[!|]/;

export function skeletonWords(text: string, symbolsAsLetters = true): string[] {
  return foldedSkeletonWords(foldText(text), symbolsAsLetters);
}

/** `skeletonWords` of text that already went through `foldText`. */
function foldedSkeletonWords(folded: string, symbolsAsLetters: boolean): string[] {
  const words = scanWords(folded, symbolsAsLetters);
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (HAS_NON_DIGIT.test(word)) words[index] = readLeet(word);
  }
  return words;
}

/** `skeletonWords` joined by single spaces: the form plain terms are matched in. */
export function skeleton(text: string, symbolsAsLetters = true): string {
  return skeletonWords(text, symbolsAsLetters).join(" ");
}

/**
 * The skeleton words of a prompt already folded by `foldText`: one reading, or two when "!"
 * or "|" could be either.
 */
export function skeletonReadings(folded: string): string[][] {
  const withSymbols = foldedSkeletonWords(folded, true);
  return AMBIGUOUS_SYMBOL.test(folded) ? [withSymbols, foldedSkeletonWords(folded, false)] : [withSymbols];
}

import { RE2JS } from "re2js";
import { foldText, skeleton, skeletonReadings } from "./normalize-text.js";

/**
 * Banned-term matching.
 *
 * Plain terms match whole words: text and term are both reduced to their skeleton (see
 * normalize-text.ts) and the term must appear as a run of complete words. So "ass" matches
 * "ASS", "a.s.s", "àss", "@ss" and "🍑ass🍑", and does not match "glass", "class", "bass",
 * "passage" or "assistant": a word that merely contains a banned term is not that term.
 * Multi-word terms match across any whitespace or punctuation between the words.
 *
 * Terms in scripts written without spaces (Chinese, Japanese, Thai) have no word
 * boundaries to rely on, so they match anywhere. Terms with no letters or digits at all
 * (an emoji) match anywhere in the lightly folded text.
 *
 * Terms written `/pattern/flags` are regexes run by RE2 (linear time, so `(a+)+$` cannot
 * hang the bot) on the lightly folded text (lowercase, NFKC, no diacritics, no invisible
 * characters), always case-insensitive. Flags: `i` (implied), `s`, `m`. RE2 has no
 * lookahead or backreferences; such patterns are rejected when a moderator adds them.
 */
export interface TermMatcher {
  /** The first banned term (as the moderator wrote it) found in `text`, if any. */
  match(text: string): string | undefined;
}

export type ParsedTerm =
  | { kind: "words"; source: string; skeleton: string }
  | { kind: "anywhere"; source: string; needle: string; folded: boolean }
  | { kind: "regex"; source: string; regex: RE2JS };

export type ParseTermResult = { ok: true; term: ParsedTerm } | { ok: false; message: string };

const REGEX_TERM = /^\/(.+)\/([a-z]*)$/s;
const NO_SPACE_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

export function isRegexTerm(term: string): boolean {
  return REGEX_TERM.test(term.trim());
}

/** Parses one banned term; the error message is for the moderator who typed it. */
export function parseTerm(raw: string): ParseTermResult {
  const source = raw.trim();
  if (source.length === 0) return { ok: false, message: "a banned term cannot be empty" };
  const regexParts = REGEX_TERM.exec(source);
  if (regexParts) {
    const [, pattern = "", flagText = ""] = regexParts;
    let flags = RE2JS.CASE_INSENSITIVE;
    for (const flag of flagText) {
      if (flag === "s") flags |= RE2JS.DOTALL;
      else if (flag === "m") flags |= RE2JS.MULTILINE;
      else if (flag !== "i") {
        return { ok: false, message: `regex ${source}: flag "${flag}" is not supported (allowed: i, s, m)` };
      }
    }
    try {
      return { ok: true, term: { kind: "regex", source, regex: RE2JS.compile(pattern, flags) } };
    } catch (error) {
      return {
        ok: false,
        message: `regex ${source} is not valid: ${(error as Error).message} (RE2 syntax: no lookaround or backreferences)`,
      };
    }
  }
  if (NO_SPACE_SCRIPTS.test(source)) {
    return {
      ok: true,
      term: { kind: "anywhere", source, needle: skeleton(source).replace(/ /g, ""), folded: false },
    };
  }
  const words = skeleton(source);
  if (words.length === 0) {
    return { ok: true, term: { kind: "anywhere", source, needle: foldText(source), folded: true } };
  }
  return { ok: true, term: { kind: "words", source, skeleton: words } };
}

class CompiledTermMatcher implements TermMatcher {
  readonly #single = new Map<string, string>();
  readonly #phrases: { needle: string; source: string }[] = [];
  readonly #anywhere: { needle: string; source: string; folded: boolean }[] = [];
  readonly #regexes: { regex: RE2JS; source: string }[] = [];
  /** Every regex term in one alternation: one pass over the text instead of one per term. */
  readonly #anyRegex: RE2JS | undefined;

  constructor(terms: readonly string[]) {
    for (const raw of terms) {
      const parsed = parseTerm(raw);
      // Stored terms were validated when added; one that no longer parses (a hand-edited
      // config) is skipped rather than blocking every prompt.
      if (!parsed.ok) continue;
      const term = parsed.term;
      switch (term.kind) {
        case "words":
          if (term.skeleton.includes(" "))
            this.#phrases.push({ needle: ` ${term.skeleton} `, source: term.source });
          else if (!this.#single.has(term.skeleton)) this.#single.set(term.skeleton, term.source);
          break;
        case "anywhere":
          this.#anywhere.push({ needle: term.needle, source: term.source, folded: term.folded });
          break;
        case "regex":
          this.#regexes.push({ regex: term.regex, source: term.source });
          break;
      }
    }
    this.#anyRegex = this.#regexes.length > 1 ? anyOf(this.#regexes.map(({ regex }) => regex)) : undefined;
  }

  /** Every term was skipped: nothing to look for. */
  get empty(): boolean {
    return (
      this.#single.size === 0 &&
      this.#phrases.length === 0 &&
      this.#anywhere.length === 0 &&
      this.#regexes.length === 0
    );
  }

  match(text: string): string | undefined {
    const folded = foldText(text);
    if (folded.length === 0) return undefined;
    // Splitting into words is only needed for plain terms; a list of regexes alone skips it.
    if (this.#single.size > 0 || this.#phrases.length > 0 || this.#anywhere.length > 0) {
      for (const words of skeletonReadings(folded)) {
        const found = this.#matchWords(words, folded);
        if (found !== undefined) return found;
      }
    }
    // RE2 scans the text once for the alternation, about as fast as for one term; only a prompt
    // that matches (and is refused) pays for finding which term it was.
    if (this.#anyRegex && !this.#anyRegex.test(folded)) return undefined;
    for (const { regex, source } of this.#regexes) if (regex.test(folded)) return source;
    return undefined;
  }

  #matchWords(words: readonly string[], folded: string): string | undefined {
    if (this.#single.size > 0) {
      for (const word of words) {
        const source = this.#single.get(word);
        if (source !== undefined) return source;
      }
    }
    if (this.#phrases.length > 0) {
      const padded = ` ${words.join(" ")} `;
      for (const phrase of this.#phrases) if (padded.includes(phrase.needle)) return phrase.source;
    }
    if (this.#anywhere.length > 0) {
      const compact = words.join("");
      for (const term of this.#anywhere) {
        if ((term.folded ? folded : compact).includes(term.needle)) return term.source;
      }
    }
    return undefined;
  }
}

/**
 * One regex matching wherever any of `regexes` does, each keeping its own flags (`(?s:…)`),
 * or undefined when RE2 refuses the combination; the terms are then tried one by one.
 */
function anyOf(regexes: readonly RE2JS[]): RE2JS | undefined {
  const parts = regexes.map((regex) => {
    const flags = regex.flags();
    const inline = `${flags & RE2JS.DOTALL ? "s" : ""}${flags & RE2JS.MULTILINE ? "m" : ""}`;
    return `(?${inline}:${regex.pattern()})`;
  });
  try {
    return RE2JS.compile(parts.join("|"), RE2JS.CASE_INSENSITIVE);
  } catch {
    // Each term compiled on its own, so trying them one by one is correct, only slower.
    return undefined;
  }
}

/** The matcher of an empty list: no term, so no text is even looked at. */
const noTerms: TermMatcher = { match: () => undefined };

const CACHE_LIMIT = 64;
const cache = new Map<string, TermMatcher>();
// The same list object (settings are resolved once and reused until they change) skips even
// building the content key, which is as long as the whole list.
const byList = new WeakMap<readonly string[], TermMatcher>();

/**
 * The matcher for one term list, built once and reused: settings change rarely, jobs
 * often. Keyed by content, so an edited list gets a fresh matcher.
 */
export function compileTermMatcher(terms: readonly string[]): TermMatcher {
  if (terms.length === 0) return noTerms;
  const known = byList.get(terms);
  if (known) return known;
  const key = terms.join("\u0000");
  let matcher = cache.get(key);
  if (matcher) {
    // Re-insert to keep the map in least-recently-used order.
    cache.delete(key);
    cache.set(key, matcher);
  } else {
    const compiled = new CompiledTermMatcher(terms);
    matcher = compiled.empty ? noTerms : compiled;
    cache.set(key, matcher);
    if (cache.size > CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
  }
  byList.set(terms, matcher);
  return matcher;
}

/**
 * Moderation figures: how long `checkGenerate` takes on hostile 6000-character prompts (Discord's
 * longest option) with 50 plain banned terms and 5 regex terms configured. The target is a p99
 * at or under 1000 µs: the check runs for every request, on the event loop.
 * Run: `npx tsx bench/moderation-bench.ts` or `npm run bench -- moderation`.
 */
import { pathToFileURL } from "node:url";
import { checkGenerate, type GenerateCheck } from "../src/moderation/check-generate.js";
import { botSettingsDefaults } from "../src/moderation/effective-settings.js";

const length = 6000;
const rounds = 300;
const warmupRounds = 30;

/** 50 plain terms a server might really ban: single words, phrases, an emoji, a CJK term. */
const plainTerms = [
  ...[
    "gore",
    "blood",
    "kill",
    "murder",
    "corpse",
    "nude",
    "naked",
    "nsfw",
    "explicit",
    "sex",
    "porn",
    "hentai",
    "torture",
    "decapitated",
    "dismembered",
    "suicide",
    "self harm",
    "swastika",
    "nazi",
    "terrorist",
    "bomb",
    "weapon",
    "drugs",
    "cocaine",
    "heroin",
    "lingerie",
    "topless",
    "bikini",
    "fetish",
    "bondage",
    "slur",
    "racist",
    "abuse",
    "violence",
    "massacre",
    "execution",
    "hanging",
    "beheading",
    "cannibal",
    "zombie gore",
    "blood bath",
    "open wound",
    "a-hole",
    "sh1t",
  ],
  "🍆",
  "🩸",
  "血",
  "殺",
  "ナチ",
  "โป๊",
];
const regexTerms = [
  "/blood(y|bath|shed)/",
  "/\\bk[i1!|]ll(s|ed|er|ing)?\\b/",
  "/n[a4@]k[e3]d/",
  "/(a+)+$/",
  "/\\b(?:sex|s3x|5ex)\\w*/",
];

function fill(unit: string): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** Prompts built to make a tokeniser, a folding pass or a regex engine work hardest. */
export const hostilePrompts: Record<string, string> = {
  exclamationMarks: fill("!"),
  pipes: fill("|"),
  exclamationAndPipes: fill("!|"),
  dots: fill("."),
  symbolRunsThenLetter: fill(`${"!".repeat(199)}a`),
  oneLetter: fill("a"),
  lettersAndDots: fill("a."),
  lettersAndExclamations: fill("a!"),
  spacedLetters: fill("a "),
  zeroWidth: fill("\u200B"),
  zeroWidthBetweenLetters: fill("g\u200Bo\u200Dr\u2060e "),
  combiningMarks: fill("a\u0301\u0308"),
  bannedTermWithoutSpaces: fill("gore"),
  leetDigits: fill("1"),
  leetWord: fill("k1ll5h!t"),
  mixedScripts: fill("аa日!ßض🍑ｇ𝐠"),
  fullwidth: fill("ｇｏｒｅ"),
  mathBold: fill("𝐠𝐨𝐫𝐞"),
  emoji: fill("🍑"),
  newlines: fill("\n"),
  ordinaryWords: fill("a lighthouse at dusk, oil painting, dramatic light, "),
  almostRegex: fill("bloo"),
};

function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? NaN;
}

/** Synchronous work, returned as a promise because `bench/run.ts` awaits every bench. */
export function runModerationBench(): Promise<Record<string, number>> {
  // The settings object is built once, as the settings repository hands out the same values until they change.
  const settings = botSettingsDefaults({ settings: { bannedTerms: [...plainTerms, ...regexTerms] } });
  const context = { channelNsfw: false };
  // Every check sees what the member typed and the values that would run (the shipped SDXL defaults).
  const requests: GenerateCheck[] = Object.values(hostilePrompts).map((prompt) => ({
    request: { prompt, negative: "blurry, lowres" },
    params: { prompt, negative: "blurry, lowres", steps: 30, width: 1024, height: 1024, count: 1 },
    workflow: "sdxl",
  }));
  for (let round = 0; round < warmupRounds; round++) {
    for (const request of requests) checkGenerate(request, settings, context);
  }
  const samples: number[] = [];
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (const request of requests) {
      const before = performance.now();
      checkGenerate(request, settings, context);
      samples.push((performance.now() - before) * 1000);
    }
  }
  const elapsed = performance.now() - started;
  return Promise.resolve({
    moderation_check_us_p50_long: Math.round(percentile(samples, 0.5)),
    moderation_check_us_p99_long: Math.round(percentile(samples, 0.99)),
    moderation_check_us_max_long: Math.round(percentile(samples, 1)),
    moderation_checks_per_second_long: Math.round(samples.length / (elapsed / 1000)),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runModerationBench();
  for (const [name, value] of Object.entries(results)) console.log(`${name}: ${value}`);
}

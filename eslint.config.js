// Typed lint rules: the promise rules catch the unawaited sends and listeners
// that formatters alone miss (see STYLE: "No lost promises").
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "data/", "coverage/", ".toolchain/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    // The core stays free of Discord: only the adapter (src/discord, src/commands, src/main.ts)
    // imports discord.js. Presentation may use @discordjs/formatters, which is plain string code.
    files: ["src/**"],
    ignores: ["src/discord/**", "src/commands/**", "src/main.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "discord.js",
              message: "Only src/discord, src/commands and src/main.ts import discord.js.",
            },
          ],
        },
      ],
    },
  },
  {
    // Terminal programs talk to a person on stdout; everything else logs through pino.
    files: ["src/cli/**", "bench/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["tests/**", "bench/**"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
  {
    // Plain JavaScript on purpose: it must run on a Node too old for anything else here.
    files: ["scripts/check-node.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: "readonly", URL: "readonly" },
    },
  },
);

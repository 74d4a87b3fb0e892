import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "src/**/*.test.ts"],
    // The soak runs (npm run test:soak) have their own config.
    exclude: ["tests/soak/**", "**/node_modules/**"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores here and in CI: forks keep native SQLite handles isolated per file.
    pool: "forks",
  },
});

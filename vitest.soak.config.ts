import { defineConfig } from "vitest/config";

// `npm run test:soak`: long runs kept out of `npm test`, for the reasons README "Status" gives.
export default defineConfig({
  test: {
    include: ["tests/soak/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
  },
});

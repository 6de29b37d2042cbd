import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machines: training and notebook tests are heavy, keep parallelism modest.
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", "./tests/helpers/summary-reporter.ts"],
    // Reported, not gated: a line count is no proof of a test that can fail.
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "tmp/coverage",
    },
  },
});

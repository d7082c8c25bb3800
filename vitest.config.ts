import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources in tests, so unit tests
// never depend on a stale `dist/`. End-to-end suites drive the built CLI instead.
const packages = fileURLToPath(new URL("./packages/", import.meta.url));
const alias = [
  { find: /^@hush\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` },
  { find: /^@hush\/([a-z-]+)\/(.+)$/, replacement: `${packages}$1/src/$2.ts` },
];

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["packages/*/src/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          // One loud line naming any missing peer; under CI=true a missing peer fails the run.
          globalSetup: ["packages/testkit/src/peer-summary.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

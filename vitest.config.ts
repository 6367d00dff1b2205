/**
 * Test projects:
 *   unit     test/unit: pure unit tests inside workerd (@cloudflare/vitest-plugin, formerly
 *            @cloudflare/vitest-pool-workers), all files in one shared runtime (isolate: false) and
 *            without the D1 setup file: they touch no storage.
 *   workers  test/integration inside workerd with real local D1, R2 and Durable Objects from
 *            wrangler.toml. D1 migrations are read here (Node) and applied in test/support/setup.ts
 *            (workerd). Each test file gets its own workerd, so its storage and module state are its own.
 *   node     test/node: Node-only code (the file artifact store for CLIs) under plain Node.
 *   browser  test/browser: Node tests that start a real local backend (`wrangler dev`) and drive
 *            /usr/bin/chromium with playwright-core. They run after the workers project (groupOrder)
 *            so the two never compete for a small machine's cores. `npm run test:browser` runs it alone.
 * Where the time goes (README "Testing"): a workers file's setup is mostly importing the Worker's
 * module graph into its fresh workerd; pre-bundled dependencies cut that graph from ~1,220 modules to ~400.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export const TEST_JWT_SECRET = "test-secret-0123456789abcdef-0123456789";
/** APP_ENV "test" is not development, so issuer and audience are required (src/config.ts). */
export const TEST_JWT_ISSUER = "clash-arena-tests";
export const TEST_JWT_AUDIENCE = "clash-arena-api";
/**
 * Rate limits far above what any test file sends, so only the tests that lower them (with their own
 * `env` override) see 429s; the limiter still runs on every limited request.
 */
const TEST_RATE_LIMITS = {
  RATE_LIMIT_USER_WRITES_PER_MIN: "1000000",
  RATE_LIMIT_USER_READS_PER_MIN: "1000000",
  RATE_LIMIT_IP_PER_MIN: "1000000",
};
/**
 * The Rate Limiting bindings likewise (their local counters are wall-clock and shared by every test
 * file), plus a real binding with a limit of 2 that test/integration/api-limits.test.ts puts in place of
 * one of them to see the first gate refuse.
 */
const unlimited = (namespace_id: string) => ({ namespace_id, simple: { limit: 1_000_000, period: 60 as const } });
const TEST_RATE_LIMIT_BINDINGS = {
  RATE_LIMIT_USER_WRITES: unlimited("1001"),
  RATE_LIMIT_USER_READS: unlimited("1002"),
  RATE_LIMIT_IP: unlimited("1003"),
  TEST_RATE_LIMIT_TWO: { namespace_id: "1999", simple: { limit: 2, period: 60 as const } },
};

/**
 * Dependencies pre-bundled by Vite's optimizer for the workerd runner (the `ssr` environment): each one
 * reaches workerd as a few bundled modules instead of hundreds (viem alone was 363, zod 107, drizzle
 * 111), and every test file re-imports them into its fresh workerd. Only node_modules code is bundled;
 * src/ is still served module by module. Optimization is explicit (no discovery), so a dependency the
 * Worker starts to import belongs here; one left out still works, unbundled and slower.
 */
const PREBUNDLED_DEPENDENCIES = [
  "drizzle-orm",
  "drizzle-orm/sqlite-core",
  "drizzle-orm/batch",
  "drizzle-orm/d1",
  "zod",
  "@hono/zod-openapi",
  "hono",
  "hono/jwt",
  "hono/html",
  "hono/factory",
  "hono/body-limit",
  "hono/utils/html",
  "hono/utils/jwt/jwt",
  "hono/utils/http-status",
  "hono/route",
  "hono/http-exception",
  "hono/cookie",
  "viem",
  "viem/accounts",
  "viem/siwe",
  "ai",
  "@ai-sdk/openai",
  "@ai-sdk/anthropic",
  "@ai-sdk/openai-compatible",
  "aws4fetch",
  "yaml",
  "@msgpack/msgpack",
  "gpt-tokenizer/encoding/o200k_base",
  "fast-check",
  "trading-signals",
];

/** One workerd test project: the Worker from wrangler.toml with the test bindings. */
function workerdProject(migrations: Awaited<ReturnType<typeof readD1Migrations>>, test: Record<string, unknown>) {
  return {
    // The pre-bundled dependencies live in the checkout, not in node_modules (which worktrees may share).
    cacheDir: ".vite",
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SECRET: TEST_JWT_SECRET,
            APP_ENV: "test",
            JWT_ISSUER: TEST_JWT_ISSUER,
            JWT_AUDIENCE: TEST_JWT_AUDIENCE,
            ...TEST_RATE_LIMITS,
            // One log line per request/job would bury test output; the observability tests turn it on.
            ACCESS_LOGS: "false",
            // Live accounts' exchange WebSockets would write beside the poll the live tests count;
            // test/integration/live-user-stream.test.ts turns them on with its own `env`.
            LIVE_USER_STREAM: "off",
          },
          ratelimits: TEST_RATE_LIMIT_BINDINGS,
          // Fresh databases a backup is restored into (test/integration/ops-backups.test.ts), as
          // the restore-check CLI does: INSERT only, never an UPDATE or DELETE of existing rows.
          d1Databases: { DB: "00000000-0000-0000-0000-000000000000", RESTORE_DB: "restore-db", RESTORE_DB_2: "restore-db-2" },
        },
      }),
    ],
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      sequence: { groupOrder: 0 },
      deps: { optimizer: { ssr: { enabled: true, include: PREBUNDLED_DEPENDENCIES } } },
      ...test,
    },
  };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        // Pure unit tests: no D1 setup file and no storage, so they share one runtime (isolate: false;
        // vitest still re-runs each test file's own module). A file loads only the modules it imports.
        workerdProject(migrations, { name: "unit", include: ["test/unit/**/*.test.ts"], isolate: false }),
        workerdProject(migrations, {
          name: "workers",
          include: ["test/integration/**/*.test.ts"],
          setupFiles: ["./test/support/setup.ts"],
          globalSetup: ["./test/global-setup.ts"],
        }),
        {
          test: {
            name: "node",
            include: ["test/node/**/*.test.ts"],
            environment: "node",
            sequence: { groupOrder: 1 },
          },
        },
        {
          test: {
            name: "browser",
            include: ["test/browser/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 300_000,
            fileParallelism: false,
            sequence: { groupOrder: 2 },
          },
        },
      ],
    },
  };
});

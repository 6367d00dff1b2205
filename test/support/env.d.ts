import type { D1Migration } from "cloudflare:test";

interface TestBindings {
  TEST_MIGRATIONS: D1Migration[];
  /** A real Rate Limiting binding with a limit of 2 a minute (vitest.config.ts). */
  TEST_RATE_LIMIT_TWO: RateLimit;
  /** Empty databases (no migrations applied) that the backup tests restore into (vitest.config.ts). */
  RESTORE_DB: D1Database;
  RESTORE_DB_2: D1Database;
}

declare global {
  interface Env extends TestBindings {}
  namespace Cloudflare {
    interface Env extends TestBindings {}
  }
}

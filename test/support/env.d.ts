import type { D1Migration } from "cloudflare:test";

interface TestBindings {
  TEST_MIGRATIONS: D1Migration[];
  /** A real Rate Limiting binding with a limit of 2 a minute (vitest.config.ts). */
  TEST_RATE_LIMIT_TWO: RateLimit;
}

declare global {
  interface Env extends TestBindings {}
  namespace Cloudflare {
    interface Env extends TestBindings {}
  }
}

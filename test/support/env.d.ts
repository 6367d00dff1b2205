import type { D1Migration } from "cloudflare:test";

interface TestBindings {
  TEST_MIGRATIONS: D1Migration[];
}

declare global {
  interface Env extends TestBindings {}
  namespace Cloudflare {
    interface Env extends TestBindings {}
  }
}

/** Per-file setup inside workerd: apply the D1 migrations (the same files wrangler applies). */
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

/**
 * DEPRECATED shim, kept ONLY because trading routes (src/domains/trading/trading.routes.ts,
 * trading-admin.routes.ts; edited on another branch) still import `AppEnv` from here. The lead deletes
 * this file after merging, once those two imports read `../../http/app-env`. New code imports from the
 * real homes: AppEnv src/http/app-env.ts, AppDeps src/core/deps.ts, settings from the owner's config file.
 */
export type { AppEnv } from "./http/app-env";

/**
 * DEPRECATED shim, kept while parallel branches still import from `../env`; it is deleted once every
 * branch is merged. New code imports from the real homes:
 *   AppEnv                          src/http/app-env.ts
 *   AppDeps                         src/core/deps.ts
 *   Config, ConfigSchema, readConfig src/config.ts
 */
export type { Config } from "./config";
export { ConfigSchema, readConfig } from "./config";
export type { AppDeps } from "./core/deps";
export type { AppEnv } from "./http/app-env";

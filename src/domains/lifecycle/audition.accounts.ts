/**
 * The production `AuditionAccounts` adapter: the trading domain's prop-account engine, reached only
 * through its index.ts. Until that engine is merged (issue 10), opening answers a failure that the
 * route maps to 503 and the audition is voided with its credit refunded; results are unknown, so the
 * worker waits. Tests and the lead's wiring replace this through `AppDeps.auditionAccounts`.
 */

import type { AppDeps } from "../../core/deps";
import { err } from "../../core/result";
import type { AuditionAccounts } from "./audition.port";

export const tradingAuditionAccounts = (_env: Env): AuditionAccounts => ({
  open: async () => err({ message: "the prop-account engine is not available in this build" }),
  result: async () => undefined,
});

/** AppDeps plus the optional audition port (tests). */
export interface LifecycleDeps extends AppDeps {
  auditionAccounts?: AuditionAccounts;
}

/** The injected port, else the trading engine adapter. */
export function auditionAccountsOf(deps: AppDeps, env: Env): AuditionAccounts {
  return (deps as LifecycleDeps).auditionAccounts ?? tradingAuditionAccounts(env);
}

/**
 * The production `AuditionAccounts` adapter: the trading domain's prop-account engine, reached only
 * through its index.ts (`openPropAccount`, `getAccountResult`). The lifecycle never writes trading rows.
 *
 * Account ids are derived from the audition id (`auditionAccountId`), so opening is idempotent.
 * Mapping of the finalized result: outcome `liquidated` → `liquidated`, `completed` → `finalized`; no
 * result yet (the account runs or awaits its finalizer) → `active`; percentages → integer basis points
 * (`returnPct × 100`, rounded half away from zero), so criteria and scores compare exactly.
 *
 * Tests may inject their own port as `auditionAccounts` on the deps object handed to `createApp` /
 * `runJobNow` (`LifecycleDeps`); the shared `AppDeps` stays free of domain types.
 */
import type { AppDeps } from "../../../core/deps";
import { err, ok } from "../../../core/result";
import { accountStub, getAccountResult, openPropAccount, type RulesInput, type AccountResult as TradingResult } from "../../trading";
import type { LifecycleConfig } from "../lifecycle.config";
import { type AccountResult, auditionAccountId } from "./audition.model";
import type { AuditionAccounts } from "./audition.port";

const bps = (pct: number) => Math.sign(pct) * Math.round(Math.abs(pct) * 100);

/** The lifecycle's view of a finalized trading result (pure). */
export function toAuditionResult(result: TradingResult | null): AccountResult {
  if (!result) return { status: "active", fills: 0, returnBps: 0, maxDrawdownBps: 0 };
  return {
    status: result.outcome === "liquidated" ? "liquidated" : "finalized",
    fills: result.fills,
    returnBps: bps(result.returnPct),
    maxDrawdownBps: bps(result.maxDrawdownPct),
  };
}

export const tradingAuditionAccounts = (env: Env, deps: AppDeps, rules: RulesInput): AuditionAccounts => ({
  async open(input) {
    try {
      // openPropAccount names the account with one `ids.next("pa")`: answering the derived id makes the
      // open idempotent (the PropAccount object keeps an existing account as it is).
      const summary = await openPropAccount(
        { env, ids: { next: () => auditionAccountId(input.auditionId) } },
        {
          cloneId: input.cloneId,
          ownerId: input.ownerId,
          kind: "audition",
          startingBalanceMicroUsd: input.startingBalanceMicroUsd,
          startMs: input.startMs,
          endMs: input.endMs,
          rules,
          allowedSymbols: input.allowedSymbols,
          pins: { ...input.pins, auditionId: input.auditionId },
        },
      );
      return ok({ accountId: summary.accountId });
    } catch (error) {
      return err({ message: error instanceof Error ? error.message : String(error) });
    }
  },
  async result(accountId) {
    return toAuditionResult(await getAccountResult({ env, ids: deps.ids }, accountId));
  },
  async find(auditionId, nowMs) {
    // The account's own object is the authority (its D1 projection may lag an interrupted open).
    const accountId = auditionAccountId(auditionId);
    return (await accountStub(env, accountId).summary(nowMs)) ? { accountId } : undefined;
  },
});

/** The audition rules of the settings, handed to the engine (which validates them). */
export const auditionRules = (settings: LifecycleConfig): RulesInput => settings.AUDITION_RULES_JSON as RulesInput;

/** AppDeps plus the optional audition port (tests). */
export interface LifecycleDeps extends AppDeps {
  auditionAccounts?: AuditionAccounts;
}

/** The injected port, else the trading engine adapter with the audition rules of the settings. */
export function auditionAccountsOf(deps: AppDeps, env: Env, rules: RulesInput): AuditionAccounts {
  return (deps as LifecycleDeps).auditionAccounts ?? tradingAuditionAccounts(env, deps, rules);
}

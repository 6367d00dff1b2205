/**
 * The port through which races reach the trading engine (issue 19: arena reads trading only through its
 * index): open a `race` prop account under a caller-derived id (race id + entrant id, so a retry returns
 * the account already open), finalize it AS OF the live window's end, and read its live standing from
 * the projection. The production adapter is trading's `openPropAccount` / `finalizeAccount` /
 * `findAccount`; tests may inject their own as `raceAccounts` on the deps (`ArenaDeps`).
 *
 * Result mapping (as the audition adapter does): outcome `liquidated` -> liquidated, else finalized;
 * percentages -> integer basis points (x100, rounded half away from zero).
 */
import type { AppDeps } from "../../../core/deps";
import { type AccountResult, finalizeAccount, findAccount, openPropAccount, type RulesInput } from "../../trading";

export interface OpenRaceAccount {
  accountId: string;
  cloneId: string;
  ownerId: string;
  startingBalanceMicroUsd: number;
  startMs: number;
  endMs: number;
  rules: Record<string, unknown>;
  allowedSymbols: string[];
  pins: { pipelineVersion: number; modelId: string; raceId: string; entrantId: string };
  nowMs: number;
}

export interface RaceResult {
  status: "finalized" | "liquidated";
  returnBps: number;
  maxDrawdownBps: number;
}

export interface RaceStanding {
  equityMicroUsd: number;
  startingBalanceMicroUsd: number;
  returnBps: number;
  drawdownBps: number;
  status: string;
  lastMarkMs: number | null;
}

export interface RaceAccounts {
  /** Opens (or returns) the account with exactly this id. Throws when the engine refuses. */
  open(input: OpenRaceAccount): Promise<{ accountId: string }>;
  /** The final result as of `endMs` (finalizing it if needed); null while it cannot be finalized yet. */
  finalize(accountId: string, endMs: number): Promise<RaceResult | null>;
  /** Live standing from the trading projection; null for an unknown account. */
  standing(accountId: string): Promise<RaceStanding | null>;
}

const bps = (pct: number) => Math.sign(pct) * Math.round(Math.abs(pct) * 100);

/** The race view of a finalized trading result (pure). */
export function toRaceResult(result: AccountResult | null): RaceResult | null {
  if (!result) return null;
  return {
    status: result.outcome === "liquidated" ? "liquidated" : "finalized",
    returnBps: bps(result.returnPct),
    maxDrawdownBps: bps(result.maxDrawdownPct),
  };
}

export const tradingRaceAccounts = (env: Env, deps: AppDeps): RaceAccounts => ({
  async open(input) {
    const summary = await openPropAccount(
      { env, ids: deps.ids },
      {
        accountId: input.accountId,
        cloneId: input.cloneId,
        ownerId: input.ownerId,
        kind: "race",
        startingBalanceMicroUsd: input.startingBalanceMicroUsd,
        startMs: input.startMs,
        endMs: input.endMs,
        rules: input.rules as RulesInput,
        allowedSymbols: input.allowedSymbols,
        pins: input.pins,
        nowMs: input.nowMs,
      },
    );
    return { accountId: summary.accountId };
  },
  async finalize(accountId, endMs) {
    return toRaceResult(await finalizeAccount({ env }, accountId, endMs, deps.clock.nowMs()));
  },
  async standing(accountId) {
    const row = await findAccount(env.DB, accountId);
    if (!row) return null;
    const start = row.startingBalanceMicroUsd;
    return {
      equityMicroUsd: row.equityMicroUsd,
      startingBalanceMicroUsd: start,
      returnBps: start > 0 ? Math.round(((row.equityMicroUsd - start) * 10_000) / start) : 0,
      drawdownBps: bps(row.drawdownPct),
      status: row.status,
      lastMarkMs: row.lastMarkMs,
    };
  },
});

/** AppDeps plus the optional race-account port (tests). */
export interface ArenaDeps extends AppDeps {
  raceAccounts?: RaceAccounts;
}

export const raceAccountsOf = (deps: AppDeps, env: Env): RaceAccounts => (deps as ArenaDeps).raceAccounts ?? tradingRaceAccounts(env, deps);

/**
 * Admin controls and scheduled moves over one PropAccount object: every call reads the market the
 * account needs (its position symbols, plus the command's) from D1 as of `nowMs` and hands it in.
 * Admin commands are audited inside the object (who, when, why, request id) and idempotent on the
 * request id; an admin action goes through the same intake as a decision.
 */

import type { AccountResult } from "./account-result.model";
import type { AdminCommand, AdminOutcome } from "./admin-command.model";
import { loadMarket } from "./market.service";
import { accountStub, type TradingDeps } from "./prop-accounts.service";

/** Symbols the account holds (as of its stored state). */
async function heldSymbols(env: Env, accountId: string, nowMs: number): Promise<string[]> {
  const summary = await accountStub(env, accountId).summary(nowMs);
  return summary ? summary.positions.map((p) => p.symbol) : [];
}

/** Runs one audited admin command at `nowMs`. */
export async function adminCommand(
  deps: Pick<TradingDeps, "env">,
  accountId: string,
  command: AdminCommand,
  nowMs: number,
): Promise<AdminOutcome> {
  // An action needs only its own symbol's market; the other controls value every held position.
  const symbols =
    command.op.kind === "action"
      ? [command.op.action.symbol]
      : [...(await heldSymbols(deps.env, accountId, nowMs)), ...(command.op.kind === "force_close" ? [command.op.symbol] : [])];
  const market = await loadMarket(deps.env.DB, symbols, nowMs);
  return accountStub(deps.env, accountId).admin(command, nowMs, market);
}

/** Finalizes at `nowMs` (positions close at mark); returns the result, unchanged on a re-run. */
export async function finalizeAccount(deps: Pick<TradingDeps, "env">, accountId: string, nowMs: number): Promise<AccountResult | null> {
  const market = await loadMarket(deps.env.DB, await heldSymbols(deps.env, accountId, nowMs), nowMs);
  return accountStub(deps.env, accountId).finalize(nowMs, market);
}

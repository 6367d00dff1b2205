/**
 * Admin controls and scheduled moves over one PropAccount object: every call reads the market the
 * account needs (its position symbols, plus the command's) from D1 as of `nowMs` and hands it in.
 * Admin commands are audited inside the object (who, when, why, request id) and idempotent on the
 * request id; an admin action goes through the same intake as a decision.
 */

import type { AccountResult } from "./account-result.model";
import type { AdminCommand, AdminOutcome } from "./admin-command.model";
import { loadMarket, readMarket } from "./market.service";
import { accountStub, type TradingDeps } from "./prop-accounts.service";
import { readTradingConfig } from "./trading.config";

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

/**
 * How long after the window's end a finalization waits for a mark fresh at the end (a late poll or a
 * backfill can still write a quote observed before the end). Past it, positions close at the last mark
 * observed at or before the end, however old (never a later one: no look-ahead), and it is logged.
 */
export const STALE_END_GRACE_MS = 15 * 60_000;

/**
 * Finalizes with event time `atMs` (positions close at the mark as of the window's end); returns the
 * result, unchanged on a re-run. The market is read as of the window's end (or `atMs` if earlier), so a
 * late run sees the quotes of the end, not newer ones. Rule 9 at a stale end: while `nowMs` is within
 * STALE_END_GRACE_MS of the end, a held symbol without a mark observed within PROP_MAX_MARK_AGE_MS
 * before the end answers null (not finalized: the caller retries on its next run).
 */
export async function finalizeAccount(
  deps: Pick<TradingDeps, "env">,
  accountId: string,
  atMs: number,
  nowMs: number = atMs,
): Promise<AccountResult | null> {
  const summary = await accountStub(deps.env, accountId).summary(atMs);
  const endMs = summary?.window.endMs ?? atMs;
  const symbols = summary ? summary.positions.map((p) => p.symbol) : [];
  // Read, not the cached loadMarket: every retry asks as of the same end, and a late row must be seen.
  const market = await readMarket(deps.env.DB, [...new Set(symbols)].sort(), Math.min(atMs, endMs));
  const waiting = nowMs - Math.min(atMs, endMs) <= STALE_END_GRACE_MS;
  const maxMarkAgeMs = waiting ? readTradingConfig(deps.env).PROP_MAX_MARK_AGE_MS : undefined;
  const result = await accountStub(deps.env, accountId).finalize(atMs, market, maxMarkAgeMs);
  if (result && !waiting)
    console.warn(
      JSON.stringify({
        msg: "prop finalization past the stale-end grace: closed without the mark-age check, at the last mark at or before the end",
        accountId,
        endMs,
      }),
    );
  return result;
}

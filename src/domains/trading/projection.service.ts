/**
 * The D1 projection of one PropAccount object, fed from its outbox. Each outbox entry carries the
 * account's whole projected view at a sequence number; applying an entry is one D1 batch whose every
 * statement is guarded by `projected_seq`, so a re-delivered, stale or concurrent entry changes nothing
 * and the projection never goes backwards. The object drains after each change and its alarm retries.
 */
import type { AccountState } from "./account.model";
import type { AccountResult } from "./account-result.model";
import { valuation } from "./execution.model";
import { EMPTY_MARKET, type Market } from "./market.model";
import { positionViews } from "./summary.model";

export interface ProjectionEntry {
  seq: number;
  account: {
    id: string;
    cloneId: string;
    ownerId: string;
    kind: string;
    status: string;
    startMs: number;
    endMs: number;
    startingBalanceMicroUsd: number;
    cashMicroUsd: number;
    equityMicroUsd: number;
    unrealizedPnlMicroUsd: number;
    marginUsedMicroUsd: number;
    peakEquityMicroUsd: number;
    drawdownPct: number;
    lastMarkMs: number | null;
    rulesJson: string;
    pinsJson: string | null;
    createdAtMs: number;
    updatedAtMs: number;
  };
  positions: {
    symbol: string;
    szi: string;
    entryPx: string;
    leverage: number;
    marginUsedMicroUsd: number;
    unrealizedPnlMicroUsd: number;
    liquidationPx: string | null;
  }[];
  result: AccountResult | null;
}

/** The projected view of `st` at `seq` (valued at the stored marks). */
export function projectionOf(st: AccountState, seq: number, nowMs: number, market: Market = EMPTY_MARKET): ProjectionEntry {
  const v = valuation(st, market);
  const peak = Math.max(st.peakEquityMicroUsd, v.equityMicroUsd);
  return {
    seq,
    account: {
      id: st.accountId,
      cloneId: st.cloneId,
      ownerId: st.ownerId,
      kind: st.kind,
      status: st.status,
      startMs: st.startMs,
      endMs: st.endMs,
      startingBalanceMicroUsd: st.startingBalanceMicroUsd,
      cashMicroUsd: st.cashMicroUsd,
      equityMicroUsd: v.equityMicroUsd,
      unrealizedPnlMicroUsd: v.unrealizedPnlMicroUsd,
      marginUsedMicroUsd: v.marginUsedMicroUsd,
      peakEquityMicroUsd: peak,
      drawdownPct: peak > 0 ? Math.round(((peak - v.equityMicroUsd) * 100 * 10_000) / peak) / 10_000 : 0,
      lastMarkMs: st.lastSnapshot?.t ?? null,
      rulesJson: JSON.stringify(st.rules),
      pinsJson: st.pins ? JSON.stringify(st.pins) : null,
      createdAtMs: st.createdAtMs,
      updatedAtMs: nowMs,
    },
    positions: positionViews(v).map((p) => ({
      symbol: p.symbol,
      szi: p.szi,
      entryPx: p.entryPx,
      leverage: p.leverage,
      marginUsedMicroUsd: p.marginUsedMicroUsd,
      unrealizedPnlMicroUsd: p.unrealizedPnlMicroUsd,
      liquidationPx: p.liquidationPx,
    })),
    result: st.result,
  };
}

/** Applies one entry to D1 in one batch; every write is a no-op unless `entry.seq` is newer. */
export async function applyProjection(d1: D1Database, entry: ProjectionEntry): Promise<void> {
  const a = entry.account;
  const newer = "? > coalesce((SELECT projected_seq FROM prop_accounts WHERE id = ?), -1)";
  const statements: D1PreparedStatement[] = [
    d1.prepare(`DELETE FROM prop_positions WHERE account_id = ? AND ${newer}`).bind(a.id, entry.seq, a.id),
    ...entry.positions.map((p) =>
      d1
        .prepare(
          `INSERT INTO prop_positions (account_id, symbol, szi, entry_px, leverage, margin_used_micro_usd, unrealized_pnl_micro_usd, liquidation_px, projected_seq)
           SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE ${newer}`,
        )
        .bind(
          a.id,
          p.symbol,
          p.szi,
          p.entryPx,
          p.leverage,
          p.marginUsedMicroUsd,
          p.unrealizedPnlMicroUsd,
          p.liquidationPx,
          entry.seq,
          entry.seq,
          a.id,
        ),
    ),
    d1
      .prepare(
        `INSERT INTO prop_accounts (id, clone_id, owner_id, kind, status, start_ms, end_ms, starting_balance_micro_usd, cash_micro_usd,
           equity_micro_usd, unrealized_pnl_micro_usd, margin_used_micro_usd, peak_equity_micro_usd, drawdown_pct, last_mark_ms, rules_json,
           pins_json, created_at_ms, updated_at_ms, projected_seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, end_ms = excluded.end_ms, cash_micro_usd = excluded.cash_micro_usd,
           equity_micro_usd = excluded.equity_micro_usd, unrealized_pnl_micro_usd = excluded.unrealized_pnl_micro_usd,
           margin_used_micro_usd = excluded.margin_used_micro_usd, peak_equity_micro_usd = excluded.peak_equity_micro_usd,
           drawdown_pct = excluded.drawdown_pct, last_mark_ms = excluded.last_mark_ms, updated_at_ms = excluded.updated_at_ms,
           projected_seq = excluded.projected_seq
         WHERE excluded.projected_seq > prop_accounts.projected_seq`,
      )
      .bind(
        a.id,
        a.cloneId,
        a.ownerId,
        a.kind,
        a.status,
        a.startMs,
        a.endMs,
        a.startingBalanceMicroUsd,
        a.cashMicroUsd,
        a.equityMicroUsd,
        a.unrealizedPnlMicroUsd,
        a.marginUsedMicroUsd,
        a.peakEquityMicroUsd,
        a.drawdownPct,
        a.lastMarkMs,
        a.rulesJson,
        a.pinsJson,
        a.createdAtMs,
        a.updatedAtMs,
        entry.seq,
      ),
  ];
  if (entry.result) {
    statements.push(
      d1
        .prepare(
          "INSERT OR IGNORE INTO prop_results (account_id, clone_id, result_json, hash, return_pct, finalized_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(a.id, a.cloneId, JSON.stringify(entry.result), entry.result.hash, entry.result.returnPct, entry.result.finalizedAtMs),
    );
  }
  await d1.batch(statements);
}

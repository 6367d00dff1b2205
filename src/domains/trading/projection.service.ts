/**
 * The D1 projection of one PropAccount object, fed from its outbox. Each outbox entry carries the
 * account's whole projected view at a sequence number; applying an entry is one D1 batch whose every
 * statement is guarded by `projected_seq`, so a re-delivered, stale or concurrent entry changes nothing
 * and the projection never goes backwards. The object drains after each change and its alarm retries.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { runBatch, setFromExcluded } from "../../db/batch";
import { openDb } from "../../db/client";
import type { AccountState } from "./account.model";
import type { AccountResult } from "./account-result.model";
import { valuation } from "./execution.model";
import { EMPTY_MARKET, type Market } from "./market.model";
import { positionViews } from "./summary.model";
import { type PropAccountRow, propAccounts, propPositions, propResults } from "./trading.tables";

export interface ProjectionEntry {
  seq: number;
  account: {
    id: string;
    cloneId: string;
    ownerId: string;
    kind: PropAccountRow["kind"];
    status: PropAccountRow["status"];
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
  const db = openDb(d1);
  const a = entry.account;
  const newer = sql`${entry.seq} > coalesce((SELECT ${propAccounts.projectedSeq} FROM ${propAccounts} WHERE ${propAccounts.id} = ${a.id}), -1)`;
  const statements: BatchItem<"sqlite">[] = [
    db.delete(propPositions).where(and(eq(propPositions.accountId, a.id), newer)),
    // A conditional insert (`INSERT ... SELECT ... WHERE`): the values in the table's column order.
    ...entry.positions.map((p) =>
      db
        .insert(propPositions)
        .select(
          sql`SELECT ${a.id}, ${p.symbol}, ${p.szi}, ${p.entryPx}, ${p.leverage}, ${p.marginUsedMicroUsd}, ${p.unrealizedPnlMicroUsd}, ${p.liquidationPx}, ${entry.seq} WHERE ${newer}`,
        ),
    ),
    db
      .insert(propAccounts)
      .values({ ...a, projectedSeq: entry.seq })
      .onConflictDoUpdate({
        target: propAccounts.id,
        set: setFromExcluded(propAccounts, [
          "status",
          "endMs",
          "cashMicroUsd",
          "equityMicroUsd",
          "unrealizedPnlMicroUsd",
          "marginUsedMicroUsd",
          "peakEquityMicroUsd",
          "drawdownPct",
          "lastMarkMs",
          "updatedAtMs",
          "projectedSeq",
        ]),
        setWhere: sql`excluded.projected_seq > ${propAccounts.projectedSeq}`,
      }),
  ];
  if (entry.result) {
    const r = entry.result;
    statements.push(
      db
        .insert(propResults)
        .values({
          accountId: a.id,
          cloneId: a.cloneId,
          resultJson: JSON.stringify(r),
          hash: r.hash,
          returnPct: r.returnPct,
          finalizedAtMs: r.finalizedAtMs,
        })
        .onConflictDoNothing(),
    );
  }
  await runBatch(db, statements);
}

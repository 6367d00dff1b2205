/**
 * Balance reads and admin adjustments. A balance is always derived from the ledger: `balanceMicroUsd`
 * is the user's book (spendable), `reservedMicroUsd` the user's reserved book (withdrawals awaiting a
 * decision); entries are the postings on those two books, newest first, paged by an opaque cursor.
 * An adjustment moves money between the user's book and house:adjustments with a reason; a negative
 * one is guarded (never below zero). Callers: balance routes.
 */
import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { runBatch } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { arenaEventStatement } from "../arena-events.service";
import { HOUSE, move, reservedBook, userBook } from "./arena-books.model";
import { bookBalance, transferExists, transferStatements, whenTransferExists } from "./arena-ledger.storage";
import { arenaLedgerPostings, arenaLedgerTransfers } from "./balance.tables";

export interface BalanceEntry {
  transferId: string;
  book: "available" | "reserved";
  code: string;
  amountMicroUsd: number;
  tMs: number;
  refId: string;
  raceId: string | null;
  memo: string | null;
}

export interface BalanceView {
  userId: string;
  balanceMicroUsd: number;
  reservedMicroUsd: number;
  entries: BalanceEntry[];
  nextCursor: string | null;
}

const encodeCursor = (tMs: number, transferId: string, book: string) => btoa(JSON.stringify([tMs, transferId, book]));
function decodeCursor(cursor: string): [number, string, string] | undefined {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string" && typeof value[2] === "string") {
      return [value[0], value[1], value[2]];
    }
  } catch {
    // an unreadable cursor is refused by the caller
  }
  return undefined;
}

export async function balanceOf(
  db: Db,
  userId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<BalanceView | undefined> {
  const books = [userBook(userId), reservedBook(userId)];
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  if (page.cursor !== undefined && !after) return undefined;
  const p = arenaLedgerPostings;
  const rows = await db
    .select({
      transferId: p.transferId,
      book: p.book,
      amountMicroUsd: p.amountMicroUsd,
      tMs: p.tMs,
      code: arenaLedgerTransfers.code,
      refId: arenaLedgerTransfers.refId,
      raceId: arenaLedgerTransfers.raceId,
      memo: arenaLedgerTransfers.memo,
    })
    .from(p)
    .innerJoin(arenaLedgerTransfers, eq(arenaLedgerTransfers.transferId, p.transferId))
    .where(
      and(
        inArray(p.book, books),
        after
          ? or(
              lt(p.tMs, after[0]),
              and(eq(p.tMs, after[0]), lt(p.transferId, after[1])),
              and(eq(p.tMs, after[0]), eq(p.transferId, after[1]), lt(p.book, after[2])),
            )
          : undefined,
      ),
    )
    .orderBy(desc(p.tMs), desc(p.transferId), desc(p.book))
    .limit(page.limit + 1);
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    userId,
    balanceMicroUsd: await bookBalance(db, userBook(userId)),
    reservedMicroUsd: await bookBalance(db, reservedBook(userId)),
    entries: shown.map((r) => ({ ...r, book: r.book === userBook(userId) ? ("available" as const) : ("reserved" as const) })),
    nextCursor: more && last ? encodeCursor(last.tMs, last.transferId, last.book) : null,
  };
}

export type AdjustFailure = { kind: "insufficient_balance" };

/** Credits (positive) or debits (negative, guarded) a user's balance with a reason; audited. */
export async function adjustBalance(
  db: Db,
  deps: AppDeps,
  input: { userId: string; amountMicroUsd: number; reason: string; actor: string },
): Promise<Result<{ adjustmentId: string; balanceMicroUsd: number }, AdjustFailure>> {
  const nowMs = deps.clock.nowMs();
  const id = deps.ids.next("adj");
  const transferId = `adjustment:${id}`;
  const credit = input.amountMicroUsd > 0;
  const amount = Math.abs(input.amountMicroUsd);
  const user = userBook(input.userId);
  await runBatch(db, [
    ...transferStatements(
      db,
      move({
        transferId,
        code: "adjustment",
        t: nowMs,
        refId: id,
        from: credit ? HOUSE.adjustments : user,
        to: credit ? user : HOUSE.adjustments,
        amountMicroUsd: amount,
        memo: input.reason,
      }),
      credit ? undefined : { book: user, amountMicroUsd: amount },
    ),
    arenaEventStatement(
      db,
      {
        id: `ev:${transferId}`,
        subjectKind: "balance",
        subjectId: input.userId,
        toState: "adjusted",
        event: "adjust",
        actor: input.actor,
        reason: input.reason,
        details: { adjustmentId: id, amountMicroUsd: input.amountMicroUsd },
        atMs: nowMs,
      },
      whenTransferExists(transferId),
    ),
  ]);
  if (!(await transferExists(db, transferId))) return err({ kind: "insufficient_balance" });
  return ok({ adjustmentId: id, balanceMicroUsd: await bookBalance(db, user) });
}

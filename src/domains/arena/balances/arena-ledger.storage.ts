/**
 * Writing and reading the Arena ledger in D1. `transferStatements` returns batchable statements that
 * append one transfer idempotently (its id is the key: a retry inserts nothing) and, with a `guard`,
 * only when the guarded book holds at least the amount (no overdraft: the check and the write are one
 * statement inside the caller's batch, which D1 runs as one transaction). Postings are inserted only
 * under their transfer, so a guarded transfer that did not happen leaves nothing; the caller's own
 * rows (a ticket, a withdrawal) use `whenTransferExists` for the same reason.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import type { ArenaTransfer } from "./arena-books.model";

/** Only write when `book` holds at least `amountMicroUsd` before the transfer. */
export interface BalanceGuard {
  book: string;
  amountMicroUsd: number;
}

/** The sum of one book's postings (a balance, always derived). */
export const bookBalanceSql = (book: string): SQL =>
  sql`(SELECT COALESCE(SUM(amount_micro_usd), 0) FROM arena_ledger_postings WHERE book = ${book})`;

/** A condition for the caller's own conditional insert: the transfer is in the journal. */
export const whenTransferExists = (transferId: string): SQL =>
  sql`EXISTS (SELECT 1 FROM arena_ledger_transfers WHERE transfer_id = ${transferId})`;

/** `when`: an extra condition of the caller (e.g. "the withdrawal is still pending"), ANDed with the guard. */
export function transferStatements(db: Db, transfer: ArenaTransfer, guard?: BalanceGuard, when?: SQL) {
  const sum = transfer.postings.reduce((s, p) => s + p.amountMicroUsd, 0);
  if (sum !== 0) throw new RangeError(`arena transfer ${transfer.transferId} does not sum to zero (${sum})`);
  const conditions = [...(guard ? [sql`${bookBalanceSql(guard.book)} >= ${guard.amountMicroUsd}`] : []), ...(when ? [sql`(${when})`] : [])];
  const condition = conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
  const head = rawStatement(
    db,
    sql`INSERT OR IGNORE INTO arena_ledger_transfers (transfer_id, code, t_ms, ref_id, race_id, reverses, memo)
        SELECT ${transfer.transferId}, ${transfer.code}, ${transfer.t}, ${transfer.refId}, ${transfer.raceId ?? null},
               ${transfer.reverses ?? null}, ${transfer.memo ?? null} ${condition}`,
  );
  const postings = transfer.postings.map((p) =>
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO arena_ledger_postings (transfer_id, book, amount_micro_usd, t_ms)
          SELECT ${transfer.transferId}, ${p.book}, ${p.amountMicroUsd}, ${transfer.t} WHERE ${whenTransferExists(transfer.transferId)}`,
    ),
  );
  return [head, ...postings];
}

/** One book's balance now. */
export async function bookBalance(db: Db, book: string): Promise<number> {
  const row = await db.get<{ balance: number }>(sql`SELECT ${bookBalanceSql(book)} AS balance`);
  return row?.balance ?? 0;
}

/** Whether a transfer id is in the journal (after a conditional batch: did it happen?). */
export async function transferExists(db: Db, transferId: string): Promise<boolean> {
  const row = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM arena_ledger_transfers WHERE transfer_id = ${transferId}`);
  return (row?.n ?? 0) > 0;
}

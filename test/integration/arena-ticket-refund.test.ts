/**
 * `refundTicketsStatements` (the full refund engineer B's scratching and cancellation use): every
 * confirmed ticket of an entrant or a race gets its whole amount back from the pool, the tickets become
 * refunded with an audit row, pending tickets are untouched, and re-running the same refund (or running
 * it after a crash in the middle) moves nothing twice.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runBatch } from "../../src/db/batch";
import { poolBook, userBook } from "../../src/domains/arena/balances/arena-books.model";
import { transferStatements } from "../../src/domains/arena/balances/arena-ledger.storage";
import { arenaTickets, type TicketRow } from "../../src/domains/arena/tickets/ticket.tables";
import { refundTicketsStatements } from "../../src/domains/arena/tickets/ticket-refund.service";
import { balanceOf, db, fundUser, seedRace } from "../support/arena";

const NOW = Date.UTC(2026, 11, 1, 12);

async function buy(
  id: string,
  raceId: string,
  entrantId: string,
  userId: string,
  amount: number,
  status: TicketRow["status"] = "confirmed",
) {
  const d = db();
  const row: TicketRow = {
    id,
    raceId,
    entrantId,
    userId,
    amountMicroUsd: amount,
    status,
    payWith: "balance",
    txHash: null,
    idempotencyKey: id,
    requestHash: "x",
    purchasedAtMs: NOW,
    confirmedAtMs: status === "confirmed" ? NOW : null,
    closedReason: null,
    closedAtMs: null,
    checkedAtMs: NOW,
    createdAtMs: NOW,
    updatedAtMs: NOW,
  };
  const moves =
    status === "confirmed"
      ? transferStatements(d, {
          transferId: `ticket:${id}`,
          code: "ticket",
          t: NOW,
          refId: id,
          raceId,
          postings: [
            { book: userBook(userId), amountMicroUsd: -amount },
            { book: poolBook(raceId), amountMicroUsd: amount },
          ],
        })
      : [];
  await runBatch(d, [...moves, d.insert(arenaTickets).values(row)]);
}

async function statusOf(id: string) {
  return (await env.DB.prepare("SELECT status, closed_reason FROM arena_tickets WHERE id = ?").bind(id).first()) as {
    status: string;
    closed_reason: string | null;
  };
}

describe("refundTicketsStatements", () => {
  it("refunds one entrant's confirmed tickets in full, then the rest of the race; re-runs move nothing", async () => {
    const { entrants } = await seedRace("rf1", { nowMs: NOW });
    const [e1, e2] = entrants;
    if (!e1 || !e2) throw new Error("seed");
    await fundUser("ann", 50_000_000, NOW);
    await fundUser("ben", 50_000_000, NOW);
    await buy("t1", "rf1", e1.id, "ann", 7_000_000);
    await buy("t2", "rf1", e1.id, "ben", 3_000_001);
    await buy("t3", "rf1", e2.id, "ann", 5_000_000);
    await buy("t4", "rf1", e1.id, "ben", 9_000_000, "pending");
    expect(await balanceOf(poolBook("rf1"))).toBe(15_000_001);

    const scratch = { raceId: "rf1", entrantId: e1.id, reason: "scratched", actor: "worker:test", nowMs: NOW + 1000 };
    const statements = await refundTicketsStatements(db(), scratch);
    await runBatch(db(), statements);
    // A retry of the very same statements (a crash after commit, before the caller noticed) changes nothing.
    await runBatch(db(), statements);
    await runBatch(db(), await refundTicketsStatements(db(), scratch));

    expect(await statusOf("t1")).toEqual({ status: "refunded", closed_reason: "scratched" });
    expect(await statusOf("t2")).toEqual({ status: "refunded", closed_reason: "scratched" });
    expect((await statusOf("t3")).status).toBe("confirmed");
    expect((await statusOf("t4")).status).toBe("pending");
    expect(await balanceOf(userBook("ann"))).toBe(45_000_000);
    expect(await balanceOf(userBook("ben"))).toBe(50_000_000);
    expect(await balanceOf(poolBook("rf1"))).toBe(5_000_000);

    const cancel = { raceId: "rf1", reason: "cancelled", actor: "admin:ops", nowMs: NOW + 2000 };
    await runBatch(db(), await refundTicketsStatements(db(), cancel));
    expect(await refundTicketsStatements(db(), cancel)).toEqual([]);
    expect(await statusOf("t3")).toEqual({ status: "refunded", closed_reason: "cancelled" });
    expect(await balanceOf(poolBook("rf1"))).toBe(0);
    expect(await balanceOf(userBook("ann"))).toBe(50_000_000);

    const codes = await env.DB.prepare(
      "SELECT code, COUNT(*) AS n FROM arena_ledger_transfers WHERE race_id = 'rf1' GROUP BY code ORDER BY code",
    ).all();
    expect(codes.results).toEqual([
      { code: "ticket", n: 3 },
      { code: "ticket_refund", n: 3 },
    ]);
    const events = await env.DB.prepare(
      "SELECT subject_id, to_state, actor, reason FROM arena_events WHERE subject_kind = 'ticket' ORDER BY subject_id",
    ).all();
    expect(events.results).toEqual([
      { subject_id: "t1", to_state: "refunded", actor: "worker:test", reason: "scratched" },
      { subject_id: "t2", to_state: "refunded", actor: "worker:test", reason: "scratched" },
      { subject_id: "t3", to_state: "refunded", actor: "admin:ops", reason: "cancelled" },
    ]);
  });

  it("a batch cut off after the transfers (no ticket update) completes on the re-run without paying twice", async () => {
    const { entrants } = await seedRace("rf2", { nowMs: NOW });
    const e1 = entrants[0];
    if (!e1) throw new Error("seed");
    await fundUser("cat", 10_000_000, NOW);
    await buy("t5", "rf2", e1.id, "cat", 4_000_000);
    const req = { raceId: "rf2", reason: "cancelled", actor: "worker:test", nowMs: NOW + 1000 };
    const statements = await refundTicketsStatements(db(), req);
    await runBatch(db(), statements.slice(0, -1)); // everything but the ticket update
    expect((await statusOf("t5")).status).toBe("confirmed");
    await runBatch(db(), await refundTicketsStatements(db(), req));
    expect((await statusOf("t5")).status).toBe("refunded");
    expect(await balanceOf(userBook("cat"))).toBe(10_000_000);
    expect(await balanceOf(poolBook("rf2"))).toBe(0);
  });
});

/**
 * The Arena economy against the EVM JSON-RPC stand-in (src/cli/stand-ins/evm-rpc.stand-in.ts) fed with
 * the REAL recorded Arbitrum USDC transfer (test/fixtures/evm/recorded/). Receipts the recording does
 * not hold are DERIVED from it (new hash; the Transfer log's from / to / amount overridden) and
 * registered on a per-test network of the stand-in, which also moves the head block.
 *
 * Covers: one hash pays for one thing (fee, deposit, ticket), deposits (credited, pending then credited
 * by `arena.reconcile`), balance reads, withdrawals (reserve, idempotency, paid with a verified payout,
 * rejected), admin adjustments, tickets from balance (every refusal code, idempotency, 20 concurrent
 * purchases never overdraw, one key 20x = one ticket), tickets by tx (pending -> confirmed, late ->
 * refunded to the balance, unseen past the TTL -> expired and the hash claimable again), race reads
 * with hand-computed implied payouts, and the reconciliation report with a mismatch flagged.
 */
import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { runJobNow } from "../../src/jobs";
import arbitrumAnswer from "../fixtures/evm/recorded/eth_getTransactionReceipt__arbitrum_USDC_transfer__etherscan_proxy.json";
import { balanceOf, seedRace } from "../support/arena";
import { lifecycleHarness } from "../support/lifecycle";

const NOW = Date.UTC(2026, 11, 2, 12);
const RPC = inject("evmRpcUrl");
const RECORDED = arbitrumAnswer.result;
const HASH = RECORDED.transactionHash;
const TREASURY = "0x2df1c51e09aecf9cacb7bc98cb1742757f163df7";
const USDC = 1_000_000;

const SETTINGS = {
  LIFECYCLE_CHAIN_ID: "42161",
  AUDITION_FEE_TOKEN: "0xaf88d065e77c8cc2239327c5edb3a432268e5831",
  AUDITION_FEE_TREASURY: TREASURY,
  AUDITION_FEE_AMOUNT: "5000000",
  AUDITION_FEE_CONFIRMATIONS: "3",
  ARENA_PENDING_TTL_MINUTES: "30",
};

let netCounter = 0;
let tail = 0;
let clockMs = NOW;

/** A fresh stand-in network (own head and receipts) and a harness pointed at it; time moves forward per file. */
async function setup(control: { head?: string; receipts?: unknown[] } = {}) {
  const net = `arena-${++netCounter}`;
  await fetch(`${RPC}/__control/net/${net}`, { method: "POST", body: JSON.stringify(control) });
  clockMs += 3_600_000;
  const h = lifecycleHarness(clockMs, { ...SETTINGS, LIFECYCLE_RPC_URL: `${RPC}/net/${net}` });
  const advance = (blocks: number) => fetch(`${RPC}/__control/net/${net}`, { method: "POST", body: JSON.stringify({ advance: blocks }) });
  const add = (receipts: unknown[]) => fetch(`${RPC}/__control/net/${net}`, { method: "POST", body: JSON.stringify({ receipts }) });
  return { ...h, advance, add, net };
}

const topic = (address: string) => `0x${"0".repeat(24)}${address.slice(2).toLowerCase()}`;

/** DERIVED from the recorded receipt: a new hash, and the Transfer log's from / to / amount overridden. */
function derived(change: { from: string; to?: string; amount: number }) {
  const hashTail = (++tail).toString(16).padStart(6, "0");
  const txHash = `${HASH.slice(0, -hashTail.length)}${hashTail}`;
  const [log] = RECORDED.logs;
  const topics = [log?.topics[0], topic(change.from), topic(change.to ?? TREASURY)];
  const data = `0x${change.amount.toString(16).padStart(64, "0")}`;
  return { txHash, receipt: { ...RECORDED, transactionHash: txHash, logs: [{ ...log, transactionHash: txHash, topics, data }] } };
}

let walletSeq = 0;
/** Binds a fresh wallet address to `user` (operator route) and returns it. */
async function bindWallet(h: ReturnType<typeof lifecycleHarness>, user: string): Promise<string> {
  const address = `0x${(++walletSeq).toString(16).padStart(4, "0")}${"ab".repeat(18)}`;
  const res = await h.call("ops", "PUT", `/admin/lifecycle/wallets/${user}`, { address, reason: "arena economy test" }, "admin");
  expect(res.status).toBe(200);
  return address;
}

async function fund(h: ReturnType<typeof lifecycleHarness>, user: string, amountMicroUsd: number) {
  const res = await h.call("ops", "POST", `/admin/arena/balances/${user}/adjustments`, { amountMicroUsd, reason: "test funding" }, "admin");
  expect(res.status).toBe(201);
  return res.body;
}

type H = Awaited<ReturnType<typeof setup>>;
const buy = (h: H, user: string, raceId: string, key: string | undefined, body: unknown) =>
  h.call(user, "POST", `/races/${raceId}/tickets`, body, "user", key);

describe("one hash pays for exactly one thing", () => {
  it("a deposit's hash cannot pay a fee or a ticket; a fee's hash cannot be deposited", async () => {
    const h = await setup();
    const alice = await bindWallet(h, "alice");
    const first = derived({ from: alice, amount: 500 * USDC });
    const second = derived({ from: alice, amount: 5 * USDC });
    await h.add([first.receipt, second.receipt]);
    const { race, entrants } = await seedRace("claims-race", { nowMs: h.clock.nowMs() });

    const dep = await h.call("alice", "POST", "/me/deposits", { txHash: first.txHash });
    expect(dep.status).toBe(201);
    expect(dep.body).toMatchObject({ status: "credited", amountMicroUsd: 500 * USDC, walletAddress: alice });
    // The same user re-submitting gets the same deposit back; nothing is credited twice.
    expect((await h.call("alice", "POST", "/me/deposits", { txHash: first.txHash })).body.id).toBe(dep.body.id);
    expect((await h.call("alice", "GET", "/me/balance")).body).toMatchObject({ balanceMicroUsd: 500 * USDC, reservedMicroUsd: 0 });

    const fee = await h.call("alice", "POST", "/payments/audition-fee", { txHash: first.txHash });
    expect(fee.body).toMatchObject({ status: "rejected", reason: "already_used" });
    const ticket = await buy(h, "alice", race.id, "k-claim", {
      entrantId: entrants[0]?.id,
      amountMicroUsd: 5 * USDC,
      payWith: { txHash: first.txHash },
    });
    expect(ticket.status).toBe(409);
    expect(ticket.body.error.details.code).toBe("tx_already_used");

    // The other way round: the fee holds its hash, a deposit or a ticket of it is refused.
    expect((await h.call("alice", "POST", "/payments/audition-fee", { txHash: second.txHash })).body.status).toBe("verified");
    expect((await h.call("alice", "POST", "/me/deposits", { txHash: second.txHash })).body).toMatchObject({
      status: "rejected",
      reason: "already_used",
    });
    const t2 = await buy(h, "alice", race.id, "k-claim2", {
      entrantId: entrants[0]?.id,
      amountMicroUsd: 5 * USDC,
      payWith: { txHash: second.txHash },
    });
    expect(t2.body.error.details.code).toBe("tx_already_used");
    expect((await h.call("alice", "GET", "/me/balance")).body.balanceMicroUsd).toBe(500 * USDC);
    const claims = await env.DB.prepare("SELECT tx_hash, purpose FROM chain_tx_claims WHERE tx_hash IN (?, ?) ORDER BY purpose")
      .bind(first.txHash, second.txHash)
      .all();
    expect(claims.results).toEqual([
      { tx_hash: second.txHash, purpose: "audition_fee" },
      { tx_hash: first.txHash, purpose: "deposit" },
    ]);
  });

  it("a fee payment rejected on re-check releases its claim: the hash can then be deposited", async () => {
    const h = await setup({ head: RECORDED.blockNumber });
    const kim = await bindWallet(h, "kim");
    const pay = derived({ from: kim, amount: 6 * USDC });
    await h.add([pay.receipt]);
    const fee = await h.call("kim", "POST", "/payments/audition-fee", { txHash: pay.txHash });
    expect(fee.body).toMatchObject({ status: "pending", reason: "not_confirmed" });
    expect((await h.call("kim", "POST", "/me/deposits", { txHash: pay.txHash })).body.reason).toBe("already_used");
    // The node no longer knows the transaction (a reorg): the fee re-check rejects it and drops its claim.
    const empty = `arena-empty-${++netCounter}`;
    await fetch(`${RPC}/__control/net/${empty}`, { method: "POST", body: JSON.stringify({}) });
    const rpcUrl = h.settings.LIFECYCLE_RPC_URL;
    h.settings.LIFECYCLE_RPC_URL = `${RPC}/net/${empty}`;
    // Unknown to the node is only pending for the not-found grace after submission; past it, rejected.
    h.clock.advance(1_800_000);
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ rejected: 1 });
    h.settings.LIFECYCLE_RPC_URL = rpcUrl ?? "";
    await h.advance(5);
    expect((await h.call("kim", "POST", "/me/deposits", { txHash: pay.txHash })).body).toMatchObject({
      status: "credited",
      amountMicroUsd: 6 * USDC,
    });
  });

  it("a wrong-sender deposit claims nothing; a pending deposit is credited by arena.reconcile once confirmed", async () => {
    const h = await setup({ head: RECORDED.blockNumber });
    const bob = await bindWallet(h, "bob");
    const other = derived({ from: "0x9999999999999999999999999999999999999999", amount: 7 * USDC });
    const own = derived({ from: bob, amount: 7 * USDC });
    await h.add([other.receipt, own.receipt]);
    expect((await h.call("bob", "POST", "/me/deposits", { txHash: other.txHash })).body).toMatchObject({
      status: "rejected",
      reason: "wrong_sender",
    });
    const dep = await h.call("bob", "POST", "/me/deposits", { txHash: own.txHash });
    expect(dep.body).toMatchObject({ status: "pending", reason: "not_confirmed", amountMicroUsd: 7 * USDC });
    expect((await h.call("bob", "GET", "/me/balance")).body.balanceMicroUsd).toBe(0);
    await h.advance(1);
    expect((await h.runJob("arena.reconcile")).summary).toMatchObject({ depositsChecked: 1, depositsCredited: 0 });
    await h.advance(1);
    expect((await h.runJob("arena.reconcile")).summary).toMatchObject({ depositsChecked: 1, depositsCredited: 1, ok: true });
    expect((await h.runJob("arena.reconcile")).summary).toMatchObject({ depositsChecked: 0 });
    const bal = await h.call("bob", "GET", "/me/balance");
    expect(bal.body.balanceMicroUsd).toBe(7 * USDC);
    expect(bal.body.entries).toEqual([
      expect.objectContaining({ code: "deposit", amountMicroUsd: 7 * USDC, book: "available", refId: dep.body.id }),
    ]);
    expect((await h.call("bob", "GET", "/me/deposits")).body.deposits.map((d: { status: string }) => d.status)).toEqual([
      "credited",
      "rejected",
    ]);
  });
});

describe("withdrawals and adjustments", () => {
  it("reserves at once, answers the same withdrawal for the same key, and is paid only with a verified payout", async () => {
    const h = await setup();
    const carol = await bindWallet(h, "carol");
    await fund(h, "carol", 10 * USDC);
    const w1 = await h.call("carol", "POST", "/me/withdrawals", { amountMicroUsd: 4 * USDC }, "user", "w-key-1");
    expect(w1.status).toBe(201);
    expect(w1.body).toMatchObject({ status: "pending", amountMicroUsd: 4 * USDC, toAddress: carol });
    expect((await h.call("carol", "POST", "/me/withdrawals", { amountMicroUsd: 4 * USDC }, "user", "w-key-1")).body.id).toBe(w1.body.id);
    const reused = await h.call("carol", "POST", "/me/withdrawals", { amountMicroUsd: 5 * USDC }, "user", "w-key-1");
    expect(reused.status).toBe(422);
    expect(reused.body.error.details.code).toBe("idempotency_key_reused");
    expect((await h.call("carol", "GET", "/me/balance")).body).toMatchObject({ balanceMicroUsd: 6 * USDC, reservedMicroUsd: 4 * USDC });
    const over = await h.call("carol", "POST", "/me/withdrawals", { amountMicroUsd: 7 * USDC });
    expect(over.status).toBe(409);
    expect(over.body.error.details.code).toBe("insufficient_balance");

    // Rejected: the funds return.
    const rej = await h.call(
      "ops",
      "POST",
      `/admin/arena/withdrawals/${w1.body.id}/decision`,
      { decision: "rejected", reason: "kyc" },
      "admin",
    );
    expect(rej.body).toMatchObject({ status: "rejected", reason: "kyc", decidedBy: "admin:ops" });
    expect((await h.call("carol", "GET", "/me/balance")).body).toMatchObject({ balanceMicroUsd: 10 * USDC, reservedMicroUsd: 0 });

    // Paid: the payout must be treasury -> carol, exactly the amount, confirmed.
    const w2 = await h.call("carol", "POST", "/me/withdrawals", { amountMicroUsd: 3 * USDC });
    const wrongAmount = derived({ from: TREASURY, to: carol, amount: 2 * USDC });
    const wrongWay = derived({ from: carol, to: TREASURY, amount: 3 * USDC });
    const payout = derived({ from: TREASURY, to: carol, amount: 3 * USDC });
    await h.add([wrongAmount.receipt, wrongWay.receipt, payout.receipt]);
    const decide = (txHash: string) =>
      h.call("ops", "POST", `/admin/arena/withdrawals/${w2.body.id}/decision`, { decision: "paid", txHash }, "admin");
    const bad = await decide(wrongAmount.txHash);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.reason).toBe("amount_too_small");
    expect((await decide(wrongWay.txHash)).body.error.details.code).toBe("payout_not_verified");
    const paid = await decide(payout.txHash);
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: "paid", payoutTxHash: payout.txHash });
    expect((await decide(payout.txHash)).status).toBe(409);
    expect((await h.call("carol", "GET", "/me/balance")).body).toMatchObject({ balanceMicroUsd: 7 * USDC, reservedMicroUsd: 0 });
    expect((await h.call("carol", "GET", "/me/withdrawals")).body.withdrawals.map((w: { status: string }) => w.status)).toEqual([
      "paid",
      "rejected",
    ]);
    const events = await env.DB.prepare(
      "SELECT to_state FROM arena_events WHERE subject_kind = 'withdrawal' AND subject_id = ? ORDER BY at_ms",
    )
      .bind(w2.body.id)
      .all();
    expect(events.results.map((e) => e.to_state)).toEqual(["pending", "paid"]);
  });

  it("a negative adjustment never takes a balance below zero", async () => {
    const h = await setup();
    await fund(h, "dora", 2 * USDC);
    const res = await h.call(
      "ops",
      "POST",
      "/admin/arena/balances/dora/adjustments",
      { amountMicroUsd: -3 * USDC, reason: "chargeback" },
      "admin",
    );
    expect(res.status).toBe(409);
    const ok = await h.call(
      "ops",
      "POST",
      "/admin/arena/balances/dora/adjustments",
      { amountMicroUsd: -2 * USDC, reason: "chargeback" },
      "admin",
    );
    expect(ok.body).toMatchObject({ balanceMicroUsd: 0, userId: "dora" });
    expect(
      (await h.call("ops", "POST", "/admin/arena/balances/dora/adjustments", { amountMicroUsd: 0, reason: "x" }, "admin")).status,
    ).toBe(400);
  });
});

describe("tickets from balance", () => {
  it("confirms at once and refuses with the issue's codes", async () => {
    const h = await setup();
    const { race, entrants } = await seedRace("tb-race", { nowMs: h.clock.nowMs(), minTicket: 2 * USDC, maxStake: 50 * USDC });
    const [e1, e2] = entrants;
    if (!e1 || !e2) throw new Error("seed");
    await fund(h, "eve", 100 * USDC);
    const body = { entrantId: e1.id, amountMicroUsd: 10 * USDC, payWith: "balance" };
    const t1 = await buy(h, "eve", race.id, "k1", body);
    expect(t1.status).toBe(201);
    expect(t1.body).toMatchObject({ status: "confirmed", payWith: "balance", amountMicroUsd: 10 * USDC, raceId: race.id });
    expect((await buy(h, "eve", race.id, "k1", body)).body).toEqual(t1.body);
    const codeOf = async (res: Promise<{ status: number; body: { error: { details: { code: string } } } }>) => {
      const r = await res;
      return [r.status, r.body.error.details.code];
    };
    expect(await codeOf(buy(h, "eve", race.id, "k1", { ...body, amountMicroUsd: 11 * USDC }))).toEqual([422, "idempotency_key_reused"]);
    expect(await codeOf(buy(h, "eve", race.id, "k2", { ...body, amountMicroUsd: USDC }))).toEqual([400, "below_min_ticket"]);
    expect(await codeOf(buy(h, "eve", race.id, "k3", { ...body, entrantId: "someone-else" }))).toEqual([409, "entrant_unavailable"]);
    expect(await codeOf(buy(h, "eve", race.id, "k4", { ...body, amountMicroUsd: 41 * USDC }))).toEqual([409, "ticket_limit"]);
    expect(await codeOf(buy(h, "fay", race.id, "k5", body))).toEqual([409, "insufficient_balance"]);
    await env.DB.prepare("UPDATE arena_entrants SET status = 'scratched' WHERE id = ?").bind(e2.id).run();
    expect(await codeOf(buy(h, "eve", race.id, "k6", { ...body, entrantId: e2.id }))).toEqual([409, "entrant_unavailable"]);
    const missingKey = await buy(h, "eve", race.id, undefined, body);
    expect(missingKey.status).toBe(400);
    const live = await seedRace("tb-live", { nowMs: h.clock.nowMs(), status: "live" });
    expect(await codeOf(buy(h, "eve", live.race.id, "k7", { ...body, entrantId: live.entrants[0]?.id }))).toEqual([
      409,
      "race_not_accumulating",
    ]);
    expect((await buy(h, "eve", "no-such-race", "k8", body)).status).toBe(404);

    expect((await h.call("eve", "GET", "/me/balance")).body.balanceMicroUsd).toBe(90 * USDC);
    expect(await balanceOf(`race:${race.id}:pool`)).toBe(10 * USDC);
    const mine = await h.call("eve", "GET", `/me/tickets?raceId=${race.id}`);
    expect(mine.body.tickets.map((t: { id: string }) => t.id)).toEqual([t1.body.id]);
  });

  it("20 concurrent purchases on one balance never overdraw; one Idempotency-Key 20 times gives one ticket", async () => {
    const h = await setup();
    const { race, entrants } = await seedRace("tb-conc", { nowMs: h.clock.nowMs(), minTicket: USDC });
    await fund(h, "gus", 10 * USDC);
    const body = { entrantId: entrants[0]?.id, amountMicroUsd: USDC, payWith: "balance" };
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => buy(h, "gus", race.id, `c-${i}`, body)));
    expect(many.filter((r) => r.status === 201)).toHaveLength(10);
    expect(many.filter((r) => r.status === 409 && r.body.error.details.code === "insufficient_balance")).toHaveLength(10);
    expect(await balanceOf("user:gus")).toBe(0);
    expect(await balanceOf(`race:${race.id}:pool`)).toBe(10 * USDC);

    await fund(h, "hal", 10 * USDC);
    const same = await Promise.all(Array.from({ length: 20 }, () => buy(h, "hal", race.id, "one-key", body)));
    expect(same.every((r) => r.status === 201)).toBe(true);
    expect(new Set(same.map((r) => r.body.id)).size).toBe(1);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM arena_tickets WHERE user_id = 'hal'").first<{ n: number }>();
    expect(rows?.n).toBe(1);
    expect(await balanceOf("user:hal")).toBe(9 * USDC);
  });
});

describe("tickets paid by transaction", () => {
  it("pending until confirmed; late payments refund to the balance; unseen past the TTL expire and free the hash", async () => {
    const h = await setup({ head: RECORDED.blockNumber });
    const ivy = await bindWallet(h, "ivy");
    const { race, entrants } = await seedRace("tx-race", { nowMs: h.clock.nowMs(), minTicket: USDC });
    const e1 = entrants[0]?.id;
    const onTime = derived({ from: ivy, amount: 20 * USDC });
    const late = derived({ from: ivy, amount: 5 * USDC });
    const lost = derived({ from: ivy, amount: 3 * USDC });
    await h.add([onTime.receipt, late.receipt, lost.receipt]);
    const tx = (key: string, txHash: string, amount: number) =>
      buy(h, "ivy", race.id, key, { entrantId: e1, amountMicroUsd: amount, payWith: { txHash } });

    const a = await tx("tx-a", onTime.txHash, 20 * USDC);
    expect(a.body).toMatchObject({ status: "pending", payWith: "tx", txHash: onTime.txHash });
    // Refused outright by the chain: nothing written.
    const stranger = derived({ from: "0x8888888888888888888888888888888888888888", amount: 5 * USDC });
    await h.add([stranger.receipt]);
    const refused = await tx("tx-x", stranger.txHash, 5 * USDC);
    expect([refused.status, refused.body.error.details.code, refused.body.error.details.reason]).toEqual([
      422,
      "payment_rejected",
      "wrong_sender",
    ]);

    await h.advance(2);
    expect((await h.runJob("arena.reconcile")).summary).toMatchObject({ checked: 1, confirmed: 1 });
    expect((await h.call("ivy", "GET", `/me/tickets?raceId=${race.id}`)).body.tickets[0]).toMatchObject({
      id: a.body.id,
      status: "confirmed",
    });
    expect(await balanceOf(`race:${race.id}:pool`)).toBe(20 * USDC);

    // Paid by a transaction already confirmed: confirmed at once (chain_in -> pool in the same batch).
    expect((await tx("tx-c", lost.txHash, 3 * USDC)).body.status).toBe("confirmed");
    expect((await tx("tx-b", late.txHash, 5 * USDC)).body.status).toBe("confirmed");
    // Unseen (not on chain yet): pending; still unseen past the TTL -> expired, claim dropped.
    const ghost = derived({ from: ivy, amount: 4 * USDC }); // never registered: not seen yet
    const g = await tx("tx-g", ghost.txHash, 4 * USDC);
    expect(g.body.status).toBe("pending");
    expect((await h.runJob("arena.reconcile")).summary).toMatchObject({ checked: 1, stillPending: 1 });
    h.clock.advance(31 * 60_000);
    expect((await h.runJob("arena.reconcile")).summary).toMatchObject({ checked: 1, expired: 1 });
    expect(
      (await h.call("ivy", "GET", `/me/tickets?raceId=${race.id}`)).body.tickets.find((t: { id: string }) => t.id === g.body.id),
    ).toMatchObject({
      status: "expired",
      closedReason: "pending_ttl",
    });
    const freed = await env.DB.prepare("SELECT COUNT(*) AS n FROM chain_tx_claims WHERE tx_hash = ?")
      .bind(ghost.txHash)
      .first<{ n: number }>();
    expect(freed?.n).toBe(0);
    // The hash is claimable again: once it appears on chain it can be deposited.
    await h.add([ghost.receipt]);
    expect((await h.call("ivy", "POST", "/me/deposits", { txHash: ghost.txHash })).body).toMatchObject({
      status: "credited",
      amountMicroUsd: 4 * USDC,
    });

    // Verified only after the close of accumulation: the money goes to the buyer's balance, ticket refunded (late).
    const tardy = derived({ from: ivy, amount: 6 * USDC });
    await h.add([tardy.receipt]);
    const before = await balanceOf("user:ivy");
    const pendingTicket = await env.DB.prepare(
      `INSERT INTO arena_tickets (id, race_id, entrant_id, user_id, amount_micro_usd, status, pay_with, tx_hash, idempotency_key, request_hash,
        purchased_at_ms, checked_at_ms, created_at_ms, updated_at_ms) VALUES ('tx-late', ?, ?, 'ivy', ?, 'pending', 'tx', ?, 'tx-late', 'x', ?, ?, ?, ?)`,
    )
      .bind(race.id, e1, 6 * USDC, tardy.txHash, h.clock.nowMs(), h.clock.nowMs(), h.clock.nowMs(), h.clock.nowMs())
      .run();
    expect(pendingTicket.success).toBe(true);
    h.clock.set(race.closesAtMs + 1000);
    expect((await h.runJob("arena.reconcile")).summary).toMatchObject({ checked: 1, refundedLate: 1 });
    expect(await balanceOf("user:ivy")).toBe(before + 6 * USDC);
    const lateRow = await env.DB.prepare("SELECT status, closed_reason FROM arena_tickets WHERE id = 'tx-late'").first();
    expect(lateRow).toEqual({ status: "refunded", closed_reason: "late_payment" });
    expect(await balanceOf(`race:${race.id}:pool`)).toBe(28 * USDC);
  });
});

describe("race reads", () => {
  it("lists races and answers the field with pool, weights and hand-computed implied payouts", async () => {
    const h = await setup();
    const nowMs = h.clock.nowMs();
    const { race, entrants } = await seedRace("read-race", { nowMs, minTicket: USDC });
    const [e1, e2] = entrants;
    await fund(h, "jon", 100 * USDC);
    expect((await buy(h, "jon", race.id, "r1", { entrantId: e1?.id, amountMicroUsd: 10 * USDC, payWith: "balance" })).status).toBe(201);
    expect((await buy(h, "jon", race.id, "r2", { entrantId: e2?.id, amountMicroUsd: 30 * USDC, payWith: "balance" })).status).toBe(201);

    const detail = await h.call("jon", "GET", `/races/${race.id}`);
    expect(detail.status).toBe(200);
    // Hand-computed (doc/domains/arena.md, "Tickets"): Pt = 40 USDC, rake 5% = 2, creator 2% = 0.8, D = 37.2;
    // P1 = D - floor(D*30%) - floor(D*10%) = 37.2 - 11.16 - 3.72 = 22.32 USDC; m(now) = 10000 + floor(2000*3600/3660) = 11967.
    // e1: 22.32 USDC * 1 USD / 10 USD = 2.232 USDC per USD; e2: 22.32 / 30 = 0.744; e3: no tickets -> null.
    expect(detail.body).toMatchObject({ id: race.id, status: "accumulating", poolMicroUsd: 40 * USDC });
    expect(detail.body.field).toEqual([
      expect.objectContaining({
        entrantId: e1?.id,
        seat: 1,
        confirmedMicroUsd: 10 * USDC,
        weight: String(10 * USDC * 11967),
        impliedPayoutPerUsdMicroUsd: "2232000",
      }),
      expect.objectContaining({
        entrantId: e2?.id,
        seat: 2,
        confirmedMicroUsd: 30 * USDC,
        weight: String(30 * USDC * 11967),
        impliedPayoutPerUsdMicroUsd: "744000",
      }),
      expect.objectContaining({ seat: 3, confirmedMicroUsd: 0, weight: "0", impliedPayoutPerUsdMicroUsd: null }),
    ]);
    expect((await h.call("jon", "GET", "/races/current")).body.id).toBe(race.id);
    const list = await h.call("jon", "GET", "/races?status=accumulating");
    expect(list.body.races.map((r: { id: string }) => r.id)).toEqual([race.id]);
    expect(list.body.races[0].poolMicroUsd).toBe(40 * USDC);
    expect((await h.call("jon", "GET", "/races/nope")).status).toBe(404);
  });
});

describe("reconciliation proofs", () => {
  it("reports ok, then flags a settlement that does not conserve (report, admin route, failed run in workers health)", async () => {
    const h = await setup();
    await h.runJob("arena.reconcile");
    let report = await h.call("ops", "GET", "/admin/arena/reconciliation", undefined, "admin");
    expect(report.body.latest).toMatchObject({ ok: true, mismatches: [] });
    expect(report.body.latest.checks.postings).toBeGreaterThan(0);

    // A settled race whose stored settlement pays out 1 micro-USD more than it took in, and whose pool book is not empty.
    const { race } = await seedRace("bad-settle", { nowMs: h.clock.nowMs(), status: "settled" });
    await env.DB.prepare(
      `INSERT INTO arena_settlements (race_id, settlement_hash, pool_micro_usd, rake_micro_usd, creator_pool_micro_usd, distribution_pool_micro_usd,
        carry_in_micro_usd, carry_out_micro_usd, ranking_json, payout_count, refund_count, status, settled_by, started_at_ms, completed_at_ms)
       VALUES (?, 'h', 0, 0, 0, 0, 0, 1, '[]', 0, 0, 'complete', 'test', 0, 0)`,
    )
      .bind(race.id)
      .run();
    h.clock.advance(60_000);
    const outcome = await runJobNow(h.workerEnv(), h.deps, "arena.reconcile", {});
    expect(outcome.ok && outcome.value.status === "ran" && outcome.value.run.status).toBe("error");
    report = await h.call("ops", "GET", "/admin/arena/reconciliation", undefined, "admin");
    expect(report.body.latest.ok).toBe(false);
    expect(report.body.latest.mismatches).toEqual([{ check: "settlement_conserves", subject: race.id, expected: "0", actual: "1" }]);
    expect(report.body.recent.length).toBeGreaterThanOrEqual(2);
    expect(report.body.recent[1].ok).toBe(true);
    const health = await h.call("ops", "GET", "/internal/health/workers", undefined, "admin");
    const job = health.body.jobs.find((w: { job: string }) => w.job === "arena.reconcile");
    expect(job?.lastRun?.status).toBe("error");
  });
});

/**
 * The lifecycle's pure models: every transition table (each allowed and each forbidden move), the fee
 * verdict on the recorded receipts and on receipts derived from them (the derivation is named per
 * case), the pass criteria and score, the retry policy, queue order and slot admission, display-name
 * normalization and the credit balance.
 */
import { describe, expect, it } from "vitest";
import { allMoves, transition } from "../../src/core/transitions";
import { judgeReceipt, type ReceiptFacts } from "../../src/domains/chain";
import { toAuditionResult } from "../../src/domains/lifecycle/auditions/audition.accounts";
import {
  AUDITION_EVENTS,
  AUDITION_TRANSITIONS,
  auditionScore,
  evaluateAudition,
  retryRefusal,
} from "../../src/domains/lifecycle/auditions/audition.model";
import { creditBalance } from "../../src/domains/lifecycle/payments/credit.service";
import { PAYMENT_TRANSITIONS, termsOf, withNotFoundGrace } from "../../src/domains/lifecycle/payments/payment.model";
import { MODERATION_TRANSITIONS, nameKeys, normalizeDisplayName } from "../../src/domains/lifecycle/profiles/profile.model";
import { planAdmissions, QUEUE_TRANSITIONS } from "../../src/domains/lifecycle/promotion/promotion.model";
import arbitrum from "../fixtures/evm/recorded/eth_getTransactionReceipt__arbitrum_USDC_transfer__etherscan_proxy.json";
import base from "../fixtures/evm/recorded/eth_getTransactionReceipt__base_USDC_transfer__mainnet.base.org.json";
import failed from "../fixtures/evm/recorded/eth_getTransactionReceipt__mainnet_failed_status0x0__etherscan_proxy.json";

const allowed = (table: Parameters<typeof allMoves>[0], events: readonly string[]) =>
  allMoves(table, events)
    .filter((m) => m.to !== undefined)
    .map((m) => `${m.from} -${m.event}-> ${m.to}`)
    .sort();

describe("transition tables", () => {
  it("auditions: exactly the documented moves; everything else is invalid", () => {
    expect(allowed(AUDITION_TRANSITIONS, AUDITION_EVENTS)).toEqual(
      [
        "opening -opened-> running",
        "opening -open_failed-> voided",
        "opening -void-> voided",
        "running -pass-> passed",
        "running -fail-> failed",
        "running -void-> voided",
      ].sort(),
    );
    for (const m of allMoves(AUDITION_TRANSITIONS, AUDITION_EVENTS).filter((m) => m.to === undefined)) {
      expect(transition(AUDITION_TRANSITIONS, m.from, m.event)).toEqual({
        ok: false,
        error: { kind: "invalid_transition", from: m.from, event: m.event },
      });
    }
  });

  it("payments, moderation and queue entries", () => {
    expect(allowed(PAYMENT_TRANSITIONS, ["confirm", "reject", "wait"])).toEqual(
      ["pending -confirm-> verified", "pending -reject-> rejected", "pending -wait-> pending"].sort(),
    );
    expect(allowed(MODERATION_TRANSITIONS, ["approve", "reject", "supersede", "takedown"])).toEqual(
      [
        "pending -approve-> approved",
        "pending -reject-> rejected",
        "pending -supersede-> rejected",
        "approved -takedown-> rejected",
      ].sort(),
    );
    expect(allowed(QUEUE_TRANSITIONS, ["admit", "remove", "unseat", "retire"])).toEqual(
      [
        "queued -admit-> seated",
        "queued -remove-> removed",
        "queued -retire-> retired",
        "seated -unseat-> removed",
        "seated -retire-> retired",
        "removed -retire-> retired",
      ].sort(),
    );
    expect(transition(QUEUE_TRANSITIONS, "retired", "admit").ok).toBe(false);
    expect(transition(QUEUE_TRANSITIONS, "seated", "remove").ok).toBe(false);
  });
});

const facts = (r: {
  status: string;
  blockNumber: string;
  logs: Array<{ address: string; topics: string[]; data: string }>;
}): ReceiptFacts => ({
  status: r.status === "0x1" ? "success" : "reverted",
  blockNumber: BigInt(r.blockNumber),
  logs: r.logs,
});
const EXPECT = {
  token: "0xaf88d065e77c8cc2239327c5edb3a432268e5831",
  treasury: "0x2df1c51e09aecf9cacb7bc98cb1742757f163df7",
  wallet: "0x4e60c2e7181edfc5471c0cbc8d485706d1b35686",
  amount: 500_000_000n,
  confirmations: 3,
};
const ARB = facts(arbitrum.result);
const HEAD = ARB.blockNumber + 2n; // exactly 3 confirmations

describe("judgeReceipt", () => {
  it("verifies the recorded Arbitrum transfer: 500.59 USDC from the wallet to the treasury", () => {
    expect(judgeReceipt(ARB, HEAD, EXPECT)).toEqual({
      status: "verified",
      amount: 500_590_000n,
      blockNumber: ARB.blockNumber,
      confirmations: 3,
    });
  });

  it("names the first failing check", () => {
    expect(judgeReceipt(undefined, HEAD, EXPECT)).toEqual({ status: "rejected", reason: "tx_not_found" });
    expect(judgeReceipt(facts(failed.result), HEAD, EXPECT)).toMatchObject({ reason: "tx_failed" });
    expect(judgeReceipt(facts(base.result), HEAD, EXPECT)).toMatchObject({ reason: "wrong_token" }); // recorded Base USDC
    expect(judgeReceipt(ARB, HEAD, { ...EXPECT, treasury: "0x1111111111111111111111111111111111111111" })).toMatchObject({
      reason: "wrong_recipient",
    });
    expect(judgeReceipt(ARB, HEAD, { ...EXPECT, wallet: "0x2222222222222222222222222222222222222222" })).toMatchObject({
      reason: "wrong_sender",
    });
    expect(judgeReceipt(ARB, HEAD, { ...EXPECT, amount: 500_590_001n })).toMatchObject({
      reason: "amount_too_small",
      amount: 500_590_000n,
    });
    expect(judgeReceipt(ARB, HEAD - 1n, EXPECT)).toMatchObject({ status: "pending", reason: "not_confirmed", confirmations: 2 });
    expect(judgeReceipt(ARB, ARB.blockNumber - 1n, EXPECT)).toMatchObject({ status: "pending", confirmations: 0 });
  });

  it("ignores Transfer-looking logs from other contracts and malformed topics (derived from the recorded log)", () => {
    const [log] = ARB.logs;
    if (!log) throw new Error("recorded log missing");
    const forged = { ...log, address: "0x3333333333333333333333333333333333333333" };
    const shortTopics = { ...log, topics: log.topics.slice(0, 2) };
    expect(judgeReceipt({ ...ARB, logs: [forged, shortTopics] }, HEAD, EXPECT)).toMatchObject({ reason: "wrong_token" });
    // Two transfers from the wallet to the treasury in one transaction add up.
    const half = { ...log, data: `0x${250_000_000n.toString(16).padStart(64, "0")}` };
    expect(judgeReceipt({ ...ARB, logs: [half, half] }, HEAD, EXPECT)).toMatchObject({ status: "verified", amount: 500_000_000n });
  });
});

describe("pending payments (issue 24 item 18): finality block, not-found grace, stored terms", () => {
  it("where the chain has a finality block, it alone decides (confirmations are still reported)", () => {
    // 100 confirmations but the finalized block is one below the receipt's: pending.
    expect(judgeReceipt(ARB, ARB.blockNumber + 99n, EXPECT, ARB.blockNumber - 1n)).toMatchObject({
      status: "pending",
      reason: "not_confirmed",
      confirmations: 100,
    });
    // 1 confirmation (< 3) but finalized: verified.
    expect(judgeReceipt(ARB, ARB.blockNumber, EXPECT, ARB.blockNumber)).toMatchObject({ status: "verified", confirmations: 1 });
  });

  it("a receipt not found is pending until the grace period after submission has passed", () => {
    const notFound = judgeReceipt(undefined, HEAD, EXPECT);
    expect(withNotFoundGrace(notFound, 1_000, 1_000 + 1_799_999, 1_800_000)).toEqual({ status: "pending", reason: "tx_not_found" });
    expect(withNotFoundGrace(notFound, 1_000, 1_000 + 1_800_000, 1_800_000)).toEqual({ status: "rejected", reason: "tx_not_found" });
    // Other rejections never wait.
    const failedVerdict = judgeReceipt(facts(failed.result), HEAD, EXPECT);
    expect(withNotFoundGrace(failedVerdict, 1_000, 1_000, 1_800_000)).toBe(failedVerdict);
  });

  it("a payment's terms are those stored on its row; rows older than the columns take the current ones", () => {
    const current = { chainId: 42161, token: "0xt", treasury: "0xnew", amount: 9n, confirmations: 40 };
    const stored = { chainId: 8453, feeAmount: "500000000", feeToken: "0xold", feeTreasury: "0xtreasury", feeConfirmations: 3 };
    expect(termsOf(stored, current)).toEqual({
      chainId: 8453,
      token: "0xold",
      treasury: "0xtreasury",
      amount: 500_000_000n,
      confirmations: 3,
    });
    const legacy = { chainId: 42161, feeAmount: null, feeToken: null, feeTreasury: null, feeConfirmations: null };
    expect(termsOf(legacy, current)).toEqual(current);
  });
});

describe("audition criteria, score and retry policy", () => {
  const criteria = { minFills: 5, minReturnBps: 0, maxDrawdownBps: 1500, allowLiquidated: false as const };
  it("passes only when every criterion holds, listing each failure", () => {
    expect(evaluateAudition({ status: "finalized", fills: 5, returnBps: 0, maxDrawdownBps: 1500 }, criteria)).toEqual([]);
    expect(evaluateAudition({ status: "liquidated", fills: 4, returnBps: -1, maxDrawdownBps: 1501 }, criteria)).toEqual([
      "min_fills",
      "min_return",
      "max_drawdown",
      "liquidated",
    ]);
    expect(auditionScore({ returnBps: 850, maxDrawdownBps: 400 })).toBe(450);
  });

  it("refuses in progress, passed, the attempt limit and the cooldown", () => {
    const policy = { maxAttempts: 2, cooldownMs: 1000 };
    expect(retryRefusal([], policy, 0)).toBeUndefined();
    expect(retryRefusal([{ id: "a", status: "running", evaluatedAtMs: null }], policy, 0)).toMatchObject({ kind: "audition_in_progress" });
    expect(retryRefusal([{ id: "a", status: "passed", evaluatedAtMs: 5 }], policy, 0)).toMatchObject({ kind: "already_passed" });
    const oneFail = [{ id: "a", status: "failed" as const, evaluatedAtMs: 100 }];
    expect(retryRefusal(oneFail, policy, 1099)).toEqual({ kind: "cooldown", retryAtMs: 1100 });
    expect(retryRefusal(oneFail, policy, 1100)).toBeUndefined();
    expect(retryRefusal([...oneFail, { id: "v", status: "voided", evaluatedAtMs: null }], policy, 5000)).toBeUndefined();
    expect(retryRefusal([...oneFail, { id: "b", status: "failed", evaluatedAtMs: 200 }], policy, 9999)).toEqual({
      kind: "attempt_limit",
      attempts: 2,
      maxAttempts: 2,
    });
  });
});

describe("queue order and admission", () => {
  const q = [
    { cloneId: "c", score: 400, queuedAtMs: 20 },
    { cloneId: "a", score: 400, queuedAtMs: 10 },
    { cloneId: "b", score: 900, queuedAtMs: 30 },
    { cloneId: "d", score: 400, queuedAtMs: 10 },
  ];
  it("admits score desc, then time, then id, into the lowest free slots, skipping unapproved without losing their place", () => {
    expect(planAdmissions(q, [], 3, new Set(["a", "b", "c", "d"])).admit).toEqual([
      { cloneId: "b", slot: 1 },
      { cloneId: "a", slot: 2 },
      { cloneId: "d", slot: 3 },
    ]);
    expect(planAdmissions(q, [1, 3], 4, new Set(["c", "d"]))).toEqual({
      admit: [
        { cloneId: "d", slot: 2 },
        { cloneId: "c", slot: 4 },
      ],
      skippedUnapproved: ["b", "a"],
    });
    expect(planAdmissions(q, [1, 2], 2, new Set(["a"]))).toEqual({ admit: [], skippedUnapproved: [] });
  });
});

describe("display names and credits", () => {
  it("folds NFKC forms, case and spacing into one key", () => {
    expect(normalizeDisplayName("  Ｎｉｇｈｔ　  Owl ")).toBe("Night Owl");
    const nameKey = (name: string) => nameKeys(name).nameKey;
    expect(nameKey("ＡＬＰＨＡ trader")).toBe(nameKey("alpha TRADER"));
    expect(nameKey("ﬁsh")).toBe(nameKey("FISH"));
    expect(nameKey("Alpha")).not.toBe(nameKey("Alpha 2"));
  });

  it("available = grants − consumes + refunds", () => {
    const k = (kind: "grant" | "consume" | "refund") => ({ kind, credits: 1 });
    expect(creditBalance([k("grant"), k("grant"), k("consume"), k("refund"), k("consume")])).toEqual({
      granted: 2,
      consumed: 2,
      refunded: 1,
      available: 1,
    });
  });
});

describe("trading result → audition result", () => {
  const base = { fills: 7, returnPct: 12.3456, maxDrawdownPct: 4.005, outcome: "completed" as const };
  const as = (r: typeof base | { fills: number; returnPct: number; maxDrawdownPct: number; outcome: "liquidated" }) =>
    toAuditionResult(r as unknown as Parameters<typeof toAuditionResult>[0]);
  it("maps outcomes and converts percentages to rounded basis points", () => {
    expect(toAuditionResult(null)).toMatchObject({ status: "active" });
    expect(as(base)).toEqual({ status: "finalized", fills: 7, returnBps: 1235, maxDrawdownBps: 401 });
    expect(as({ fills: 3, returnPct: -99.995, maxDrawdownPct: 100, outcome: "liquidated" })).toEqual({
      status: "liquidated",
      fills: 3,
      returnBps: -10000,
      maxDrawdownBps: 10000,
    });
  });
});

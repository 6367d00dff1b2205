/**
 * Wallet proof and audition fee verification against the local JSON-RPC stand-in
 * (src/cli/stand-ins/evm-rpc.stand-in.ts), which serves the REAL recorded receipts of
 * test/fixtures/evm/recorded/: the Arbitrum One USDC transfer (the dev fee payment), a Base USDC
 * transfer and a failed mainnet transaction. Cases the recording does not hold are DERIVED here from the
 * recorded Arbitrum receipt (only the named field changes) and registered on a per-test network of the
 * stand-in, which also moves the head block for the confirmation cases.
 */
import { env } from "cloudflare:test";
import { hashMessage } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage, parseSiweMessage, type SiweMessage } from "viem/siwe";
import { beforeAll, describe, expect, inject, it } from "vitest";
import arbitrumAnswer from "../fixtures/evm/recorded/eth_getTransactionReceipt__arbitrum_USDC_transfer__etherscan_proxy.json";
import { lifecycleHarness } from "../support/lifecycle";

const NOW = Date.UTC(2026, 10, 29, 12);
const RPC = inject("evmRpcUrl");
const RECORDED = arbitrumAnswer.result;
const HASH = RECORDED.transactionHash;
const SENDER = RECORDED.from; // the recorded payer: the demo user's wallet (operator-bound: nobody holds its key)
const TREASURY = "0x2df1c51e09aecf9cacb7bc98cb1742757f163df7";
const BASE_USDC_HASH = "0xaf0d0052eec2231428c5fbf81523c2ef833a8f02ae080a047c1abce3e2b12e83";
const FAILED_HASH = "0xfbfd35db096d0acb26a988895841d786baafe08f6cf55265338e0b5db58350ee";

const DEV_SETTINGS = {
  LIFECYCLE_CHAIN_ID: "42161",
  AUDITION_FEE_TOKEN: "0xaf88d065e77c8cc2239327c5edb3a432268e5831",
  AUDITION_FEE_TREASURY: TREASURY,
  AUDITION_FEE_AMOUNT: "500000000",
  AUDITION_FEE_CONFIRMATIONS: "3",
};

let netCounter = 0;
/** A fresh stand-in network (own head and receipts) and a harness pointed at it. */
async function setup(control: Record<string, unknown> = {}, startMs = NOW) {
  const net = `payments-${++netCounter}`;
  const controlNet = (body: unknown) => fetch(`${RPC}/__control/net/${net}`, { method: "POST", body: JSON.stringify(body) });
  await controlNet(control);
  const h = lifecycleHarness(startMs, { ...DEV_SETTINGS, LIFECYCLE_RPC_URL: `${RPC}/net/${net}` });
  const advance = (blocks: number) => controlNet({ advance: blocks });
  return { ...h, advance, controlNet, net };
}

/** DERIVED from the recorded Arbitrum receipt: a new hash, and the Transfer log's fields overridden. */
function derivedReceipt(hashTail: string, change: { to?: string; amountHex?: string } = {}) {
  const txHash = `${HASH.slice(0, -hashTail.length)}${hashTail}`;
  const [log] = RECORDED.logs;
  const topics = [...(log?.topics ?? [])];
  if (change.to) topics[2] = `0x${"0".repeat(24)}${change.to.slice(2)}`;
  return {
    txHash,
    receipt: {
      ...RECORDED,
      transactionHash: txHash,
      logs: [{ ...log, transactionHash: txHash, topics, data: change.amountHex ?? log?.data }],
    },
  };
}

async function bindDemoWallet(h: ReturnType<typeof lifecycleHarness>, user = "demo") {
  const res = await h.call(
    "ops",
    "PUT",
    `/admin/lifecycle/wallets/${user}`,
    { address: SENDER, reason: "demo wallet (recorded payer)" },
    "admin",
  );
  expect(res.status).toBe(200);
}

async function linkWithKey(h: ReturnType<typeof lifecycleHarness>, user: string, key: `0x${string}`) {
  const account = privateKeyToAccount(key);
  const nonce = await h.call(user, "POST", "/me/wallet/nonce", { address: account.address });
  expect(nonce.status).toBe(201);
  const signature = await account.signMessage({ message: nonce.body.message });
  return { account, res: await h.call(user, "PUT", "/me/wallet", { message: nonce.body.message, signature }) };
}

/** The issued message with `change` applied (a client tampering with what it signs). */
function tampered(message: string, change: Partial<SiweMessage>): string {
  return createSiweMessage({ ...(parseSiweMessage(message) as SiweMessage), ...change });
}

async function grants(user: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM audition_credit_entries WHERE user_id = ? AND kind = 'grant'")
    .bind(user)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

const KEY_B = `0x${"b0".repeat(32)}` as const;
const KEY_C = `0x${"c0".repeat(32)}` as const;

describe("wallet proof (EIP-4361)", () => {
  it("issues the EIP-4361 message for the address and links an EOA whose signature of it verifies (no RPC)", async () => {
    const h = await setup();
    const account = privateKeyToAccount(KEY_B);
    const nonce = await h.call("bob", "POST", "/me/wallet/nonce", { address: account.address.toLowerCase() });
    expect(nonce.status).toBe(201);
    const parsed = parseSiweMessage(nonce.body.message);
    expect(parsed).toMatchObject({
      domain: "localhost:8787",
      address: account.address,
      uri: "http://localhost:8787",
      version: "1",
      chainId: 42161,
      nonce: nonce.body.nonce,
      issuedAt: new Date(NOW),
      expirationTime: new Date(NOW + 600_000),
    });
    expect(nonce.body.expiresAtMs).toBe(NOW + 600_000);
    // No RPC is reachable for this harness: a key's signature is proven by recovery alone.
    h.settings.LIFECYCLE_RPC_URL = "http://127.0.0.1:9/unreachable";
    const signature = await account.signMessage({ message: nonce.body.message });
    const res = await h.call("bob", "PUT", "/me/wallet", { message: nonce.body.message, signature });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: "bob", address: account.address.toLowerCase(), proof: "signature" });
    expect((await h.call("bob", "GET", "/me/wallet")).body.address).toBe(account.address.toLowerCase());
  });

  it("uses the configured site and chain in the message", async () => {
    const h = await setup();
    h.settings.WALLET_SIWE_URI = "https://arena.example.org";
    h.settings.LIFECYCLE_CHAIN_ID = "8453";
    const account = privateKeyToAccount(KEY_B);
    const nonce = await h.call("bea", "POST", "/me/wallet/nonce", { address: account.address });
    expect(parseSiweMessage(nonce.body.message)).toMatchObject({
      domain: "arena.example.org",
      uri: "https://arena.example.org",
      chainId: 8453,
    });
    expect((await h.call("bea", "POST", "/me/wallet/nonce", { address: "0x12" })).status).toBe(400);
  });

  it("refuses another domain, chain or address, a changed message, a bad signature, a reused or expired nonce and a taken wallet", async () => {
    const h = await setup();
    const account = privateKeyToAccount(KEY_C);
    const other = privateKeyToAccount(`0x${"d0".repeat(32)}`);
    const issue = async (user = "carol", address: string = account.address) =>
      (await h.call(user, "POST", "/me/wallet/nonce", { address })).body.message as string;
    const link = async (message: string, signer = account, user = "carol") =>
      h.call(user, "PUT", "/me/wallet", { message, signature: await signer.signMessage({ message }) });
    const refused = async (res: { status: number; body: { error: { details: { code: string } } } }, code: string) => {
      expect(res.status).toBe(422);
      expect(res.body.error.details.code).toBe(code);
    };

    await refused(await link(tampered(await issue(), { domain: "evil.example" })), "wrong_domain");
    await refused(await link(tampered(await issue(), { chainId: 1 })), "wrong_chain");
    // Issued for `account`, rewritten to `other` and signed by `other`: not the address the nonce was issued for.
    await refused(await link(tampered(await issue(), { address: other.address }), other), "wrong_address");
    await refused(await link(tampered(await issue(), { expirationTime: new Date(NOW + 86_400_000) })), "bad_message");

    // Signed by another key: the signature does not prove `account` signed it.
    let message = await issue();
    await refused(await link(message, other), "bad_signature");
    // The nonce was consumed by that attempt: even the right signature is refused now (single use).
    await refused(await link(message), "nonce_used");

    // Expired: signed correctly but presented after the TTL (600 s).
    message = await issue();
    const late = await account.signMessage({ message });
    h.clock.advance(601_000);
    await refused(await h.call("carol", "PUT", "/me/wallet", { message, signature: late }), "nonce_expired");

    // A nonce issued to another user is not the caller's.
    message = await issue("dave");
    await refused(await link(message, account, "carol"), "nonce_missing");

    // Fresh nonce: links; replaying the same signed message afterwards is refused.
    message = await issue();
    const good = await account.signMessage({ message });
    expect((await h.call("carol", "PUT", "/me/wallet", { message, signature: good })).status).toBe(200);
    await refused(await h.call("carol", "PUT", "/me/wallet", { message, signature: good }), "nonce_used");

    // Dave proves the same key, but carol owns that wallet.
    const res = await link(await issue("dave"), account, "dave");
    expect(res.status).toBe(409);
    expect(res.body.error.details.code).toBe("wallet_taken");
    expect((await h.call("dave", "GET", "/me/wallet")).status).toBe(404);
  });

  it("refuses a message that is not EIP-4361, an unknown nonce and a malformed body", async () => {
    const h = await setup();
    const account = privateKeyToAccount(`0x${"e0".repeat(32)}`);
    const sig = await account.signMessage({ message: "anything" });
    let res = await h.call("erin", "PUT", "/me/wallet", { message: "anything", signature: sig });
    expect(res.body.error.details.code).toBe("bad_message");
    const unknown = createSiweMessage({
      domain: "localhost:8787",
      address: account.address,
      uri: "http://localhost:8787",
      version: "1",
      chainId: 42161,
      nonce: "neverissued1234",
    });
    res = await h.call("erin", "PUT", "/me/wallet", { message: unknown, signature: await account.signMessage({ message: unknown }) });
    expect(res.body.error.details.code).toBe("nonce_missing");
    expect((await h.call("erin", "PUT", "/me/wallet", { message: unknown, signature: "0x12z" })).status).toBe(400);
  });

  it("links a contract wallet (EIP-1271) when the chain's isValidSignature answers the magic value for the message hash", async () => {
    const SAFE = "0x5afe00000000000000000000000000000000c0de";
    const owner = privateKeyToAccount(KEY_B); // a Safe owner signs; the Safe contract decides
    const attempt = async (answer: string, hashOf?: (message: string) => string) => {
      const h = await setup();
      const nonce = await h.call("sam", "POST", "/me/wallet/nonce", { address: SAFE });
      const message = nonce.body.message as string;
      await h.controlNet({ contractWallets: { [SAFE]: { answer, ...(hashOf ? { hash: hashOf(message) } : {}) } } });
      return h.call("sam", "PUT", "/me/wallet", { message, signature: await owner.signMessage({ message }) });
    };
    const ok = await attempt("0x1626ba7e", (message) => hashMessage(message));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ userId: "sam", address: SAFE, proof: "signature" });

    // The contract answers anything but the magic value, or the magic value only for another message: refused.
    const wrongAnswer = await attempt("0xffffffff");
    expect(wrongAnswer.status).toBe(422);
    expect(wrongAnswer.body.error.details.code).toBe("bad_signature");
    const otherHash = await attempt("0x1626ba7e", () => hashMessage("another message"));
    expect(otherHash.body.error.details.code).toBe("bad_signature");
  });
});

describe("audition fee verification", () => {
  beforeAll(async () => {
    await bindDemoWallet(lifecycleHarness(NOW));
  });

  it("verifies the recorded Arbitrum USDC transfer and grants exactly one credit; a second submission is already_used", async () => {
    const h = await setup();
    const res = await h.call("demo", "POST", "/payments/audition-fee", { txHash: HASH });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "verified",
      reason: null,
      walletAddress: SENDER,
      amount: "500590000",
      confirmations: 21,
      chainId: 42161,
    });
    const credits = await h.call("demo", "GET", "/me/credits");
    expect(credits.body).toMatchObject({ available: 1, granted: 1, consumed: 0, refunded: 0 });
    expect(credits.body.entries[0]).toMatchObject({ kind: "grant", paymentId: res.body.id });

    const again = await h.call("demo", "POST", "/payments/audition-fee", { txHash: HASH.toUpperCase().replace("0X", "0x") });
    expect(again.body).toMatchObject({ status: "rejected", reason: "already_used" });
    expect(await grants("demo")).toBe(1);
    expect((await h.call("demo", "GET", `/payments/${res.body.id}`)).body.status).toBe("verified");
    expect((await h.call("mallory", "GET", `/payments/${res.body.id}`)).status).toBe(404);
    expect((await h.call("ops", "GET", `/payments/${res.body.id}`, undefined, "admin")).status).toBe(200);
  });

  it("a hash paid from another user's wallet is wrong_sender, and does not burn the hash", async () => {
    const derived = derivedReceipt("01"); // DERIVED: the recorded transfer under another hash
    const h = await setup({ receipts: [derived.receipt] });
    await linkWithKey(h, "frank", `0x${"f0".repeat(32)}`);
    const stolen = await h.call("frank", "POST", "/payments/audition-fee", { txHash: derived.txHash });
    expect(stolen.body).toMatchObject({ status: "rejected", reason: "wrong_sender" });
    expect(await grants("frank")).toBe(0);
    const rightful = await h.call("demo", "POST", "/payments/audition-fee", { txHash: derived.txHash });
    expect(rightful.body.status).toBe("verified");
  });

  it("rejects wrong token (recorded Base USDC transfer) and failed tx (recorded status 0x0)", async () => {
    const h = await setup();
    const cases = [
      [BASE_USDC_HASH, "wrong_token"],
      [FAILED_HASH, "tx_failed"],
    ] as const;
    for (const [txHash, reason] of cases) {
      const res = await h.call("demo", "POST", "/payments/audition-fee", { txHash });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: "rejected", reason });
    }
  });

  it("rejects wrong recipient and too small (receipts DERIVED from the recorded one)", async () => {
    const wrongTo = derivedReceipt("02", { to: "0x1111111111111111111111111111111111111111" });
    const small = derivedReceipt("03", { amountHex: `0x${(1_000_000).toString(16).padStart(64, "0")}` }); // 1 USDC
    const h = await setup({ receipts: [wrongTo.receipt, small.receipt] });
    expect((await h.call("demo", "POST", "/payments/audition-fee", { txHash: wrongTo.txHash })).body).toMatchObject({
      status: "rejected",
      reason: "wrong_recipient",
    });
    expect((await h.call("demo", "POST", "/payments/audition-fee", { txHash: small.txHash })).body).toMatchObject({
      status: "rejected",
      reason: "amount_too_small",
      amount: "1000000",
    });
    // The real transfer against a fee one base unit above it is too small as well.
    h.settings.AUDITION_FEE_AMOUNT = "500590001";
    const derived = derivedReceipt("04");
    await fetch(`${RPC}/__control/net/payments-${netCounter}`, { method: "POST", body: JSON.stringify({ receipts: [derived.receipt] }) });
    expect((await h.call("demo", "POST", "/payments/audition-fee", { txHash: derived.txHash })).body.reason).toBe("amount_too_small");
  });

  it("stays pending while not confirmed, then the re-check job verifies it and grants once", async () => {
    const derived = derivedReceipt("05");
    const h = await setup({ head: RECORDED.blockNumber, receipts: [derived.receipt] }); // head = receipt block: 1 confirmation
    const before = await grants("demo");
    const res = await h.call("demo", "POST", "/payments/audition-fee", { txHash: derived.txHash });
    expect(res.body).toMatchObject({ status: "pending", reason: "not_confirmed", confirmations: 1 });
    expect(await grants("demo")).toBe(before);
    // Another submission while pending: the hash is claimed.
    expect((await h.call("demo", "POST", "/payments/audition-fee", { txHash: derived.txHash })).body.reason).toBe("already_used");

    await h.advance(1); // 2 confirmations of 3
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ checked: 1, pending: 1, verified: 0 });
    expect((await h.call("demo", "GET", `/payments/${res.body.id}`)).body).toMatchObject({ status: "pending", confirmations: 2 });

    await h.advance(1);
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ checked: 1, verified: 1 });
    expect((await h.call("demo", "GET", `/payments/${res.body.id}`)).body).toMatchObject({
      status: "verified",
      reason: null,
      confirmations: 3,
    });
    expect(await grants("demo")).toBe(before + 1);
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ checked: 0 });
    expect(await grants("demo")).toBe(before + 1);
    const audit = await h.call("ops", "GET", `/admin/lifecycle/events?subjectKind=payment&subjectId=${res.body.id}`, undefined, "admin");
    expect(audit.body.events.map((e: { toState: string }) => e.toState)).toEqual(["pending", "verified"]);
  });

  it("20 concurrent submissions of one hash give exactly one verified payment and one grant", async () => {
    const derived = derivedReceipt("06");
    const h = await setup({ receipts: [derived.receipt] });
    const before = await grants("demo");
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.call("demo", "POST", "/payments/audition-fee", { txHash: derived.txHash })),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const statuses = results.map((r) => `${r.body.status}/${r.body.reason}`);
    expect(statuses.filter((s) => s === "verified/null")).toHaveLength(1);
    expect(statuses.filter((s) => s === "rejected/already_used")).toHaveLength(19);
    expect(await grants("demo")).toBe(before + 1);
  });

  it("needs a linked wallet (422), a well-formed hash (400) and a configured treasury (503)", async () => {
    const h = await setup();
    expect((await h.call("nowallet", "POST", "/payments/audition-fee", { txHash: HASH })).body.error.details.code).toBe("wallet_required");
    expect((await h.call("demo", "POST", "/payments/audition-fee", { txHash: "0x1234" })).status).toBe(400);
    h.settings.AUDITION_FEE_TREASURY = "";
    expect((await h.call("demo", "POST", "/payments/audition-fee", { txHash: HASH })).status).toBe(503);
  });

  it("answers 503 and records nothing when the chain cannot be read", async () => {
    const h = await setup();
    h.settings.LIFECYCLE_RPC_URL = `${RPC}/not-a-node`; // the stand-in answers 404 here, as a broken gateway would
    const derived = derivedReceipt("07");
    const res = await h.call("demo", "POST", "/payments/audition-fee", { txHash: derived.txHash });
    expect(res.status).toBe(503);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM audition_fee_payments WHERE tx_hash = ?")
      .bind(derived.txHash)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
});

describe("pending payments: stored terms, not-found grace, no starvation, chain finality, receipt hash", () => {
  beforeAll(async () => {
    await bindDemoWallet(lifecycleHarness(NOW));
  });
  const DAY = 86_400_000;
  const paymentRow = (id: string) =>
    env.DB.prepare("SELECT status, reason, checked_at_ms, fee_amount, fee_treasury FROM audition_fee_payments WHERE id = ?")
      .bind(id)
      .first<Record<string, unknown>>();

  it("a pending payment is judged against the fee, treasury, token and confirmations stored at submission", async () => {
    const derived = derivedReceipt("11");
    const h = await setup({ head: RECORDED.blockNumber, receipts: [derived.receipt] }, NOW + 10 * DAY);
    const res = await h.call("demo", "POST", "/payments/audition-fee", { txHash: derived.txHash });
    expect(res.body).toMatchObject({ status: "pending", reason: "not_confirmed", confirmations: 1 });
    expect(await paymentRow(res.body.id)).toMatchObject({ fee_amount: "500000000", fee_treasury: TREASURY });
    // The operator changes every term afterwards: the payment keeps the ones it was made under.
    Object.assign(h.settings, {
      AUDITION_FEE_AMOUNT: "900000000",
      AUDITION_FEE_TREASURY: "0x1111111111111111111111111111111111111111",
      AUDITION_FEE_TOKEN: "0x2222222222222222222222222222222222222222",
      AUDITION_FEE_CONFIRMATIONS: "40",
    });
    await h.advance(2);
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ verified: 1, rejected: 0 });
    expect((await h.call("demo", "GET", `/payments/${res.body.id}`)).body).toMatchObject({ status: "verified", confirmations: 3 });
  });

  it("a receipt not found yet keeps the payment pending for the grace period (default 30 min), then rejects it", async () => {
    const start = NOW + 20 * DAY;
    const late = derivedReceipt("12"); // broadcast, mined only after the submission
    const never = derivedReceipt("13"); // never mined
    const h = await setup({}, start);
    const a = await h.call("demo", "POST", "/payments/audition-fee", { txHash: late.txHash });
    const b = await h.call("demo", "POST", "/payments/audition-fee", { txHash: never.txHash });
    for (const res of [a, b]) expect(res.body).toMatchObject({ status: "pending", reason: "tx_not_found", confirmations: null });
    // A pending not-found payment holds its hash like any pending one.
    expect((await h.call("demo", "POST", "/payments/audition-fee", { txHash: late.txHash })).body.reason).toBe("already_used");
    h.clock.set(start + 10 * 60_000);
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ checked: 2, pending: 2, rejected: 0 });
    await h.controlNet({ receipts: [late.receipt] });
    h.clock.set(start + 29 * 60_000);
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ checked: 2, verified: 1, pending: 1 });
    h.clock.set(start + 30 * 60_000);
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ checked: 1, rejected: 1 });
    expect((await h.call("demo", "GET", `/payments/${a.body.id}`)).body.status).toBe("verified");
    expect((await h.call("demo", "GET", `/payments/${b.body.id}`)).body).toMatchObject({ status: "rejected", reason: "tx_not_found" });
  });

  it("a re-check that cannot reach the node still stamps checkedAtMs, so the next run takes the other payments", async () => {
    const start = NOW + 30 * DAY;
    const h = await setup({}, start);
    const ids: string[] = [];
    for (const tail of ["14", "15", "16"]) {
      h.clock.advance(1000);
      ids.push((await h.call("demo", "POST", "/payments/audition-fee", { txHash: derivedReceipt(tail).txHash })).body.id);
    }
    h.settings.LIFECYCLE_RPC_URL = `${RPC}/not-a-node`;
    const checkedBy: string[] = [];
    for (let run = 0; run < 3; run++) {
      const before = await Promise.all(ids.map(async (id) => (await paymentRow(id))?.checked_at_ms));
      expect((await h.runJob("lifecycle.recheck-payments", { limit: 1 })).summary).toMatchObject({ checked: 1, unavailable: 1 });
      const after = await Promise.all(ids.map(async (id) => (await paymentRow(id))?.checked_at_ms));
      checkedBy.push(...ids.filter((_, i) => after[i] !== before[i]));
    }
    expect(checkedBy).toEqual(ids); // each payment once, oldest check first, none starved
    for (const id of ids) expect((await paymentRow(id))?.status).toBe("pending");
  });

  it("finality is the chain's finalized block where it has one (confirmations alone do not verify)", async () => {
    const derived = derivedReceipt("17");
    // 6 confirmations (≥ 3) but the chain finalizes 10 blocks behind its head.
    const h = await setup(
      { head: String(BigInt(RECORDED.blockNumber) + 5n), receipts: [derived.receipt], finalizedLag: 10 },
      NOW + 40 * DAY,
    );
    const res = await h.call("demo", "POST", "/payments/audition-fee", { txHash: derived.txHash });
    expect(res.body).toMatchObject({ status: "pending", reason: "not_confirmed", confirmations: 6 });
    await h.advance(4); // finalized = receipt block − 1
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ pending: 1, verified: 0 });
    await h.advance(1); // finalized = receipt block
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ verified: 1 });
    // With AUDITION_FEE_FINALITY_TAG=safe the `safe` block decides; a chain without the tag counts confirmations.
    const safe = derivedReceipt("18");
    await h.controlNet({ receipts: [safe.receipt], safeLag: 100 });
    h.settings.AUDITION_FEE_FINALITY_TAG = "safe";
    expect((await h.call("demo", "POST", "/payments/audition-fee", { txHash: safe.txHash })).body.status).toBe("pending");
    await h.controlNet({ safeLag: null });
    expect((await h.runJob("lifecycle.recheck-payments")).summary).toMatchObject({ verified: 1 });
  });

  it("a receipt whose hash is not the submitted one is never judged (503, nothing recorded)", async () => {
    const asked = `0x${"ab".repeat(32)}`;
    // A broken node: answers the recorded (valid, confirmed) receipt for another hash.
    const h = await setup({ answerAs: { [asked]: RECORDED } }, NOW + 50 * DAY);
    const res = await h.call("demo", "POST", "/payments/audition-fee", { txHash: asked });
    expect(res.status).toBe(503);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM audition_fee_payments WHERE tx_hash = ?")
      .bind(asked)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
});

/**
 * The route × identity matrix (issue 14), generated from both OpenAPI documents and the page lists:
 * every operation × {no token, malformed, bad signature, expired, the owning user, another user,
 * service, admin} gets the status its `x-access` declaration implies (src/http/access.ts):
 *   public -> ok for everyone; otherwise no/malformed/bad-signature/expired -> 401;
 *   admin -> 403 for users and service; service -> 403 for users;
 *   user + owner -> 404 for another user and for service (not the owner), ok for the owner and admin.
 * An operation without a declaration, or whose request needs inputs without a fixture below, fails.
 *
 * To add a route: declare its access next to it (declareRoute / the PAGES lists); if it has path
 * params, a required query or a required body, add an entry to FIXTURES (it builds a fresh request per
 * cell, creating any resource it addresses as OWNER).
 */
import { env, SELF } from "cloudflare:test";
import { createRoute } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp, PAGES } from "../../src/app";
import { randomIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { artifactStoreFor } from "../../src/domains/artifacts";
import { backtests } from "../../src/domains/backtest";
import { createRuns, decisionRuns } from "../../src/domains/decision";
import { openPropAccount } from "../../src/domains/trading";
import type { PageAccess, PublishedAccess } from "../../src/http/access";
import { declareRoute } from "../../src/http/access";
import { openApiDocuments } from "../../src/http/openapi";
import { createRouter } from "../../src/http/router";
import { callApi } from "../support/api";
import { tokenFor } from "../support/auth";
import { VALID_GRAPH } from "../support/graphs";
import { seedRecordedRegistry } from "../support/registry-seed";

const OWNER = "matrix-owner";
const IDENTITIES = ["none", "malformed", "badSignature", "expired", "owner", "otherUser", "service", "admin"] as const;
type Identity = (typeof IDENTITIES)[number];
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

interface Operation {
  method: string;
  path: string;
  access?: PublishedAccess;
  needsInput: boolean;
}

interface Request {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** The admitted caller's status when it is not 2xx-by-default. */
  ok?: number;
}

async function newOwnedClone(): Promise<string> {
  const res = await callApi(OWNER, "POST", "/clones", { name: "matrix", modelId: "gpt-5" });
  if (res.status !== 201) throw new Error(`fixture clone: ${res.status}`);
  return res.body.id as string;
}
const EMPTY_PIPELINE = { version: 0, graph: { nodes: [], edges: [] }, layout: {} };
/** A one-branch pipeline (strategy id "prompt") over BTC and SOL reading ETH funding. */
const TRADING_PIPELINE = { version: 0, graph: VALID_GRAPH, layout: {} };

async function newTradingClone(): Promise<string> {
  const cloneId = await newOwnedClone();
  const res = await callApi(OWNER, "PUT", `/clones/${cloneId}/pipeline`, TRADING_PIPELINE);
  if (res.status !== 200) throw new Error(`fixture pipeline: ${res.status}`);
  return cloneId;
}

/** Lifecycle fixtures: unique values per request, rows of OWNER written directly where the route only reads them. */
let lifecycleSeq = 0;
const uniq = () => `${Date.now().toString(36)}${++lifecycleSeq}`;
async function ownerRow(sql: string, ...values: unknown[]): Promise<void> {
  await env.DB.prepare(sql)
    .bind(...values)
    .run();
}
async function ownerPayment(): Promise<string> {
  const id = `pay_matrix_${uniq()}`;
  await ownerRow(
    "INSERT INTO audition_fee_payments (id, user_id, tx_hash, chain_id, status, reason, submitted_at_ms, checked_at_ms) VALUES (?, ?, ?, 42161, 'rejected', 'tx_not_found', 0, 0)",
    id,
    OWNER,
    `0x${"0".repeat(64 - String(lifecycleSeq).length)}${lifecycleSeq}`,
  );
  return id;
}
async function ownerAudition(): Promise<string> {
  const id = `aud_matrix_${uniq()}`;
  await ownerRow(
    "INSERT INTO auditions (id, clone_id, owner_id, attempt, status, pipeline_version, model_id, starts_at_ms, ends_at_ms, criteria_json, created_at_ms, updated_at_ms) VALUES (?, ?, ?, 1, 'failed', 1, 'gpt-5', 0, 1, ?, 0, 0)",
    id,
    `clone_matrix_${uniq()}`,
    OWNER,
    JSON.stringify({ minFills: 5, minReturnBps: 0, maxDrawdownBps: 1500, allowLiquidated: false }),
  );
  return id;
}
async function pendingProfile(): Promise<{ cloneId: string; versionId: string }> {
  const cloneId = await newOwnedClone();
  const res = await callApi(OWNER, "PUT", `/clones/${cloneId}/profile`, { displayName: `Matrix ${uniq()}` });
  if (res.status !== 201) throw new Error(`fixture profile: ${res.status}`);
  return { cloneId, versionId: res.body.id as string };
}
async function queueEntry(status: "queued" | "seated"): Promise<string> {
  const cloneId = `clone_matrix_${uniq()}`;
  await ownerRow(
    "INSERT INTO promotion_queue (clone_id, owner_id, audition_id, score, queued_at_ms, status, updated_at_ms) VALUES (?, ?, 'aud_matrix', 0, 0, ?, 0)",
    cloneId,
    OWNER,
    status,
  );
  return cloneId;
}
/** An owned trading clone with an open sandbox account, opened through the API as OWNER. */
async function newSandbox(): Promise<{ cloneId: string; accountId: string }> {
  const cloneId = await newTradingClone();
  const res = await callApi(OWNER, "POST", `/clones/${cloneId}/prop-accounts`, { kind: "sandbox" });
  if (res.status !== 201) throw new Error(`fixture sandbox: ${res.status}`);
  return { cloneId, accountId: res.body.accountId as string };
}
const accountParams = async () => ({ params: { accountId: (await newSandbox()).accountId } });
/** Admin request ids (and action ids) are idempotency keys: unique per call so every cell does the work. */
let adminRequests = 0;
const adminRequest = (extra: Record<string, unknown> = {}) => ({ requestId: `matrix-${++adminRequests}`, reason: "matrix", ...extra });
/** A finalized sandbox (admin finalize through the API), so its result exists for the owner and admin. */
async function finalizedSandbox(): Promise<string> {
  const { accountId } = await newSandbox();
  const res = await callApi("root", "POST", `/admin/prop-accounts/${accountId}/finalize`, adminRequest(), "admin");
  if (res.status !== 200 || res.body.status !== "done") throw new Error(`fixture finalize: ${res.status}`);
  return accountId;
}

/** A live account of OWNER written directly (exchange account, approved agent, opt-in, caps; its paper shadow is a real sandbox). */
async function ownerLive(): Promise<{ exchangeAccountId: string; agentId: string; liveAccountId: string; cloneId: string }> {
  const u = uniq();
  const { cloneId, accountId } = await newSandbox();
  const exchangeAccountId = `lx_matrix_${u}`;
  const agentId = `lag_matrix_${u}`;
  const liveAccountId = `la_matrix_${u}`;
  const address = `0x${u.padStart(40, "0").slice(-40)}`;
  await ownerRow(
    "INSERT INTO live_exchange_accounts (id, owner_id, user_address, created_at_ms) VALUES (?, ?, ?, 0)",
    exchangeAccountId,
    OWNER,
    address,
  );
  await ownerRow(
    "INSERT INTO live_agent_keys (id, exchange_account_id, owner_id, address, kek_id, iv, ciphertext, status, created_at_ms, approved_at_ms) VALUES (?, ?, ?, ?, 'matrix', 'iv', 'ct', 'pending', 0, NULL)",
    agentId,
    exchangeAccountId,
    OWNER,
    `0x${u.padStart(40, "1").slice(-40)}`,
  );
  await ownerRow(
    "INSERT INTO live_accounts (id, clone_id, owner_id, exchange_account_id, agent_key_id, shadow_account_id, status, freeze_reason, flagged, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, 'active', NULL, 0, 0, 0)",
    liveAccountId,
    cloneId,
    OWNER,
    exchangeAccountId,
    agentId,
    accountId,
  );
  await ownerRow(
    "INSERT INTO live_account_caps (live_account_id, max_order_notional_micro_usd, max_position_notional_micro_usd, max_leverage, allowed_symbols_json, daily_loss_limit_micro_usd, updated_at_ms) VALUES (?, 1000000000, 5000000000, 3, '[\"BTC\"]', 100000000, 0)",
    liveAccountId,
  );
  return { exchangeAccountId, agentId, liveAccountId, cloneId };
}
const LIVE_CAPS = {
  maxOrderNotionalMicroUsd: 1_000_000_000,
  maxPositionNotionalMicroUsd: 5_000_000_000,
  maxLeverage: 3,
  allowedSymbols: ["BTC"],
  dailyLossLimitMicroUsd: 100_000_000,
};

/** One request builder per operation that needs inputs ("METHOD /api/v1/path"). Extend here. */
/** The accumulating race (created by an admin when none is). */
async function accumulatingRace(): Promise<string> {
  const res = await callApi("root", "POST", "/admin/races", {}, "admin");
  if (res.status !== 200) throw new Error(`fixture race: ${res.status}`);
  return res.body.race.raceId as string;
}

const FIXTURES: Record<string, () => Promise<Request>> = {
  "POST /api/v1/admin/jobs/{name}/run": async () => ({ params: { name: "ops.prune-job-runs" } }),
  // Ops alerts (no notification channel is configured in tests: the test route answers an empty list).
  "POST /api/v1/admin/alerts/test": async () => ({ body: { message: "matrix" } }),
  "POST /api/v1/admin/alerts/{alertId}/ack": async () => {
    const id = `alert_matrix_${uniq()}`;
    await ownerRow(
      "INSERT INTO ops_alerts (id, dedup_key, rule, severity, state, summary, details_json, first_seen_ms, last_evaluated_ms) VALUES (?, ?, 'job_failing', 'critical', 'firing', 'matrix', '{}', 0, 0)",
      id,
      `job_failing:${id}`,
    );
    return { params: { alertId: id }, body: { reason: "matrix ack", expiresInMin: 5 } };
  },
  "POST /api/v1/admin/alerts/silences": async () => ({
    body: { matcher: "job_stale:*", reason: "matrix silence", expiresInMin: 5 },
    ok: 201,
  }),
  "POST /api/v1/admin/alerts/silences/{silenceId}/end": async () => {
    const res = await callApi(
      "root",
      "POST",
      "/admin/alerts/silences",
      { matcher: "job_stale:*", reason: "matrix silence", expiresInMin: 5 },
      "admin",
    );
    if (res.status !== 201) throw new Error(`fixture silence: ${res.status}`);
    return { params: { silenceId: res.body.id as string }, body: { reason: "matrix end" } };
  },
  "PUT /api/v1/admin/users/{userId}/entitlements": async () => ({
    params: { userId: "matrix-someone" },
    body: { maxActiveAssets: 5, maxModelStrength: 1 },
  }),
  "GET /api/v1/admin/ingestion/{source}": async () => ({ params: { source: "polymarket" } }),
  "GET /api/v1/market/latest": async () => ({ query: { source: "hyperliquid", channel: "ohlcv_1m", symbol: "BTC" } }),
  "POST /api/v1/clones": async () => ({ body: { name: "matrix", modelId: "gpt-5" }, ok: 201 }),
  "GET /api/v1/clones/{cloneId}": async () => ({ params: { cloneId: await newOwnedClone() } }),
  "PATCH /api/v1/clones/{cloneId}": async () => ({ params: { cloneId: await newOwnedClone() }, body: { name: "renamed" } }),
  "DELETE /api/v1/clones/{cloneId}": async () => ({ params: { cloneId: await newOwnedClone() }, ok: 204 }),
  "GET /api/v1/clones/{cloneId}/pipeline": async () => ({ params: { cloneId: await newOwnedClone() } }),
  "PUT /api/v1/clones/{cloneId}/pipeline": async () => ({ params: { cloneId: await newOwnedClone() }, body: EMPTY_PIPELINE }),
  "POST /api/v1/clones/{cloneId}/pipeline/validate": async () => ({ params: { cloneId: await newOwnedClone() }, body: EMPTY_PIPELINE }),
  "GET /api/v1/clones/{cloneId}/pipeline/compiled": async () => ({ params: { cloneId: await newOwnedClone() } }),
  "GET /api/v1/clones/{cloneId}/pipeline/preview": async () => ({ params: { cloneId: await newTradingClone() } }),
  "GET /api/v1/clones/{cloneId}/entitlements": async () => ({ params: { cloneId: await newOwnedClone() } }),
  "GET /api/v1/clones/{cloneId}/context-preview": async () => ({
    params: { cloneId: await newTradingClone() },
    query: { strategyId: "prompt", symbol: "BTC" },
  }),
  "GET /api/v1/clones/{cloneId}/candidates": async () => ({
    params: { cloneId: await newTradingClone() },
    query: { strategyId: "prompt" },
  }),
  // Lifecycle (issue 15). Fee verification is unconfigured in wrangler.toml (no treasury): 503 for admitted callers.
  "POST /api/v1/me/wallet/nonce": async () => ({ body: { address: `0x${"1".repeat(40)}` }, ok: 201 }),
  // Self-scoped: nobody in the matrix has linked a wallet.
  "GET /api/v1/me/wallet": async () => ({ ok: 404 }),
  "PUT /api/v1/me/wallet": async () => ({ body: { message: "not an EIP-4361 message", signature: `0x${"2".repeat(130)}` }, ok: 422 }),
  "POST /api/v1/payments/audition-fee": async () => ({ body: { txHash: `0x${"3".repeat(64)}` }, ok: 503 }),
  "GET /api/v1/payments/{paymentId}": async () => ({ params: { paymentId: await ownerPayment() } }),
  "POST /api/v1/clones/{cloneId}/auditions": async () => ({ params: { cloneId: await newOwnedClone() }, ok: 422 }),
  "GET /api/v1/clones/{cloneId}/auditions": async () => ({ params: { cloneId: await newOwnedClone() } }),
  "GET /api/v1/auditions/{auditionId}": async () => ({ params: { auditionId: await ownerAudition() } }),
  "PUT /api/v1/clones/{cloneId}/profile": async () => ({
    params: { cloneId: await newOwnedClone() },
    body: { displayName: `Matrix ${uniq()}` },
    ok: 201,
  }),
  "GET /api/v1/profiles/{cloneId}": async () => {
    const { cloneId, versionId } = await pendingProfile();
    await callApi("root", "POST", `/admin/lifecycle/moderation/${versionId}/approve`, {}, "admin");
    return { params: { cloneId } };
  },
  "POST /api/v1/admin/lifecycle/moderation/{versionId}/approve": async () => ({
    params: { versionId: (await pendingProfile()).versionId },
    body: {},
  }),
  "POST /api/v1/admin/lifecycle/moderation/{versionId}/reject": async () => ({
    params: { versionId: (await pendingProfile()).versionId },
    body: { reason: "matrix" },
  }),
  "POST /api/v1/admin/lifecycle/moderation/{versionId}/takedown": async () => {
    const { versionId } = await pendingProfile();
    await callApi("root", "POST", `/admin/lifecycle/moderation/${versionId}/approve`, {}, "admin");
    return { params: { versionId }, body: { reason: "matrix" } };
  },
  "GET /api/v1/admin/lifecycle/clones/{cloneId}/profile-versions": async () => ({ params: { cloneId: await newOwnedClone() } }),
  "POST /api/v1/admin/lifecycle/queue/{cloneId}/remove": async () => ({
    params: { cloneId: await queueEntry("queued") },
    body: { reason: "matrix" },
  }),
  "POST /api/v1/admin/lifecycle/slots/{cloneId}/remove": async () => ({
    params: { cloneId: await queueEntry("seated") },
    body: { reason: "matrix" },
  }),
  "POST /api/v1/admin/lifecycle/slots/{cloneId}/seat": async () => ({
    params: { cloneId: await newOwnedClone() },
    body: { reason: "matrix" },
  }),
  "POST /api/v1/admin/lifecycle/clones/{cloneId}/retire": async () => ({
    params: { cloneId: `clone_matrix_${uniq()}` },
    body: { reason: "matrix" },
  }),
  "PUT /api/v1/admin/lifecycle/wallets/{userId}": async () => ({
    params: { userId: `matrix-wallet-${uniq()}` },
    body: { address: `0x${(Date.now() * 1000 + ++lifecycleSeq).toString(16).padStart(40, "a")}`, reason: "matrix" },
  }),
  "GET /api/v1/races/{raceId}/standings": async () => ({ params: { raceId: await accumulatingRace() } }),
  "GET /api/v1/races/{raceId}/settlement": async () => ({ params: { raceId: await accumulatingRace() }, ok: 404 }),
  "POST /api/v1/admin/races": async () => ({ body: {} }),
  "POST /api/v1/admin/races/{raceId}/advance": async () => ({ params: { raceId: await accumulatingRace() } }),
  "POST /api/v1/admin/races/{raceId}/cancel": async () => ({ params: { raceId: await accumulatingRace() }, body: { reason: "matrix" } }),
  "POST /api/v1/admin/races/{raceId}/settle": async () => ({ params: { raceId: await accumulatingRace() }, ok: 409 }),
  "GET /api/v1/admin/races/{raceId}/settlement/artifact": async () => ({ params: { raceId: await accumulatingRace() }, ok: 404 }),
  "GET /api/v1/hall-of-fame/{cloneId}": async () => ({ params: { cloneId: `clone_matrix_${uniq()}` }, ok: 404 }),
  "GET /api/v1/clones/{cloneId}/retirement": async () => ({ params: { cloneId: `clone_matrix_${uniq()}` }, ok: 404 }),
  "GET /api/v1/admin/lifecycle/events": async () => ({ query: { subjectKind: "audition", subjectId: "aud_matrix" } }),
  // Arena economy (issue 19). On-chain payments are unconfigured in wrangler.toml (503); nobody has a wallet or a race here.
  "POST /api/v1/me/deposits": async () => ({ body: { txHash: `0x${"4".repeat(64)}` }, ok: 503 }),
  "POST /api/v1/me/withdrawals": async () => ({ body: { amountMicroUsd: 1_000_000 }, ok: 422 }),
  "GET /api/v1/races/current": async () => ({ ok: 404 }),
  "GET /api/v1/races/{raceId}": async () => ({ params: { raceId: "race_matrix" }, ok: 404 }),
  // The matrix sends no Idempotency-Key header: refused (400) for every admitted caller.
  "POST /api/v1/races/{raceId}/tickets": async () => ({
    params: { raceId: "race_matrix" },
    body: { entrantId: "e1", amountMicroUsd: 1_000_000, payWith: "balance" },
    ok: 400,
  }),
  "POST /api/v1/admin/arena/withdrawals/{withdrawalId}/decision": async () => ({
    params: { withdrawalId: "wd_matrix" },
    body: { decision: "rejected", reason: "matrix" },
    ok: 404,
  }),
  "POST /api/v1/admin/arena/balances/{userId}/adjustments": async () => ({
    params: { userId: `matrix-balance-${uniq()}` },
    body: { amountMicroUsd: 1_000_000, reason: "matrix" },
    ok: 201,
  }),
  "GET /api/v1/clones/{cloneId}/decision-runs": async () => ({ params: { cloneId: await newOwnedClone() } }),
  "POST /api/v1/clones/{cloneId}/dry-run": async () => {
    const cloneId = await newOwnedClone();
    const pipeline = { version: 0, graph: HOLD_GRAPH, layout: {} };
    if ((await callApi(OWNER, "PATCH", `/clones/${cloneId}`, { modelId: "hold" })).status !== 200) throw new Error("fixture model");
    if ((await callApi(OWNER, "PUT", `/clones/${cloneId}/pipeline`, pipeline)).status !== 200) throw new Error("fixture pipeline");
    return { params: { cloneId }, body: {} };
  },
  "GET /api/v1/prop-accounts/{accountId}/decision-runs": async () => {
    const account = await openPropAccount(
      { env, ids: randomIds },
      {
        cloneId: "matrix",
        ownerId: OWNER,
        kind: "sandbox",
        startingBalanceMicroUsd: 1_000_000,
        startMs: 0,
        endMs: Date.now() + 3_600_000,
        allowedSymbols: [],
      },
    );
    return { params: { accountId: account.accountId } };
  },
  // Backtests: a clone without a pipeline is refused (422) after the window checks; the others address a stored row.
  "POST /api/v1/clones/{cloneId}/backtests": async () => ({
    params: { cloneId: await newOwnedClone() },
    body: { fromMs: Date.now() - 7_200_000, toMs: Date.now() - 3_600_000, startingBalanceUsd: 1000, engine: "hold" },
    ok: 422,
  }),
  "GET /api/v1/clones/{cloneId}/backtests": async () => ({ params: { cloneId: await newOwnedClone() } }),
  "GET /api/v1/backtests/{backtestId}": async () => ({ params: { backtestId: await ownedBacktest() } }),
  "POST /api/v1/backtests/{backtestId}/cancel": async () => ({ params: { backtestId: await ownedBacktest() } }),
  // Cancelled: no report yet (409) for those admitted.
  "GET /api/v1/backtests/{backtestId}/report": async () => ({ params: { backtestId: await ownedBacktest() }, ok: 409 }),
  "GET /api/v1/decision-runs/{runId}": async () => ({ params: { runId: await newOwnedRun() } }),
  "GET /api/v1/decision-runs/{runId}/artifacts/{name}": async () => ({ params: { runId: await newOwnedRun(), name: "prompt" } }),
  "POST /api/v1/clones/{cloneId}/prop-accounts": async () => ({
    params: { cloneId: await newTradingClone() },
    body: { kind: "sandbox" },
    ok: 201,
  }),
  "GET /api/v1/clones/{cloneId}/prop-accounts": async () => ({ params: { cloneId: (await newSandbox()).cloneId } }),
  "GET /api/v1/prop-accounts/{accountId}": accountParams,
  "GET /api/v1/prop-accounts/{accountId}/fills": accountParams,
  "GET /api/v1/prop-accounts/{accountId}/ledger": accountParams,
  "GET /api/v1/prop-accounts/{accountId}/orders": accountParams,
  "GET /api/v1/prop-accounts/{accountId}/snapshots": accountParams,
  "GET /api/v1/prop-accounts/{accountId}/result": async () => ({ params: { accountId: await finalizedSandbox() } }),
  "GET /api/v1/admin/prop-accounts/{accountId}/audit": accountParams,
  "POST /api/v1/admin/prop-accounts/{accountId}/freeze": async () => ({ ...(await accountParams()), body: adminRequest() }),
  "POST /api/v1/admin/prop-accounts/{accountId}/unfreeze": async () => {
    // Frozen first, so the admitted unfreeze is a real transition ("done"), not a refusal.
    const { params } = await accountParams();
    await callApi("root", "POST", `/admin/prop-accounts/${params.accountId}/freeze`, adminRequest(), "admin");
    return { params, body: adminRequest() };
  },
  "POST /api/v1/admin/prop-accounts/{accountId}/finalize": async () => ({ ...(await accountParams()), body: adminRequest() }),
  "POST /api/v1/admin/prop-accounts/{accountId}/adjustments": async () => ({
    ...(await accountParams()),
    body: adminRequest({ amountMicroUsd: 1_000_000 }),
  }),
  "POST /api/v1/admin/prop-accounts/{accountId}/positions/{symbol}/close": async () => ({
    params: { ...(await accountParams()).params, symbol: "BTC" },
    body: adminRequest(),
  }),
  // No market data is seeded here: the admitted action is still a 200 intake outcome (a recorded denial).
  "POST /api/v1/admin/prop-accounts/{accountId}/actions": async () => ({
    ...(await accountParams()),
    body: {
      actionId: `matrix-action-${++adminRequests}`,
      symbol: "BTC",
      action: "open_long",
      size: "0.01",
      leverage: 2,
      confidence: 0.5,
      reason: "matrix",
      decidedAtMs: Date.now(),
    },
  }),
  // Live trading (no exchange here): each admitted call reaches its use case; the statuses are its
  // answers without an exchange or a key-encryption key configured in the test Worker.
  "POST /api/v1/live/exchange-accounts": async () => ({ body: { userAddress: `0x${"5".repeat(40)}` }, ok: 403 }),
  "POST /api/v1/live/exchange-accounts/{id}/agents": async () => ({ params: { id: (await ownerLive()).exchangeAccountId }, ok: 503 }),
  "POST /api/v1/live/agents/{id}/confirm": async () => ({ params: { id: (await ownerLive()).agentId }, ok: 503 }),
  "PUT /api/v1/clones/{id}/live-opt-in": async () => ({ params: { id: await newOwnedClone() }, body: { optIn: true } }),
  "POST /api/v1/live/accounts": async () => {
    const { cloneId, agentId } = await ownerLive();
    return { body: { cloneId, agentId, caps: LIVE_CAPS }, ok: 409 };
  },
  "GET /api/v1/live/accounts/{id}": async () => ({ params: { id: (await ownerLive()).liveAccountId } }),
  "PUT /api/v1/live/accounts/{id}/caps": async () => ({ params: { id: (await ownerLive()).liveAccountId }, body: LIVE_CAPS }),
  "POST /api/v1/live/accounts/{id}/pause": async () => ({ params: { id: (await ownerLive()).liveAccountId } }),
  "POST /api/v1/live/accounts/{id}/resume": async () => ({ params: { id: (await ownerLive()).liveAccountId } }),
  "POST /api/v1/admin/live/kill": async () => ({ body: { on: false, reason: "matrix" } }),
  "POST /api/v1/admin/live/accounts/{id}/actions": async () => ({
    params: { id: (await ownerLive()).liveAccountId },
    body: {
      actionId: `matrix-live-${++adminRequests}`,
      symbol: "BTC",
      action: "hold",
      confidence: 0.5,
      reason: "matrix",
      decidedAtMs: Date.now(),
    },
  }),
  "POST /api/v1/admin/live/accounts/{id}/reconcile": async () => ({ params: { id: (await ownerLive()).liveAccountId }, ok: 503 }),
  "POST /api/v1/admin/live/accounts/{id}/unfreeze": async () => ({ params: { id: (await ownerLive()).liveAccountId } }),
};

/** A pipeline the hold engine can decide (BTC, one block). */
const HOLD_GRAPH = {
  nodes: [
    { id: "s", type: "data_stream", config: { blocks: [{ id: "rsi", source: "hyperliquid", channel: "rsi" }] } },
    { id: "a", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC"] } },
    { id: "p", type: "trading_prompt", config: {} },
  ],
  edges: [
    { id: "e1", source: "s", target: "a" },
    { id: "e2", source: "a", target: "p" },
  ],
};

/** A decision run of an owned clone with a stored prompt artifact. */
/** A cancelled backtest row of OWNER (nothing queued). */
async function ownedBacktest(): Promise<string> {
  const id = `bt_matrix_${uniq()}`;
  await openDb(env.DB).insert(backtests).values({
    id,
    cloneId: "matrix",
    ownerId: OWNER,
    status: "cancelled",
    engine: "hold",
    modelId: "hold",
    pipelineVersion: 1,
    fromMs: 0,
    toMs: 60_000,
    stepMs: 60_000,
    startingBalanceMicroUsd: 1_000_000,
    planJson: "{}",
    slotsTotal: 1,
    slotsDone: 0,
    estimateCostMicroUsd: 0,
    costMicroUsd: 0,
    failures: 0,
    createdAtMs: Date.now(),
    runMs: 0,
  });
  return id;
}

async function newOwnedRun(): Promise<string> {
  const cloneId = await newOwnedClone();
  const db = openDb(env.DB);
  const [run] = await createRuns(db, randomIds, Date.now(), [
    {
      scopeKey: `dryrun:${cloneId}`,
      accountId: null,
      dryRunId: cloneId,
      cloneId,
      strategyId: "p",
      symbol: "BTC",
      slotMs: 0,
      cadenceSec: 60,
      pipelineVersion: 1,
      modelId: "hold",
      engine: "hold",
      asOfMs: 0,
    },
  ]);
  const head = await artifactStoreFor(env as unknown as Record<string, unknown> & { ARTIFACTS: R2Bucket }).put(
    JSON.stringify({ system: "s", user: "u" }),
  );
  await db
    .update(decisionRuns)
    .set({ promptKey: head.key })
    .where(eq(decisionRuns.id, run?.id ?? ""));
  return run?.id ?? "";
}

type Doc = ReturnType<typeof openApiDocuments>["client"];

/** Every operation of `docs`, with its declaration (if any) and whether it needs a fixture. */
function operationsOf(docs: Doc[]): Operation[] {
  return docs.flatMap((doc) =>
    Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => {
        const op = (item as Record<string, Record<string, unknown>>)[m] as {
          "x-access"?: PublishedAccess;
          parameters?: Array<{ in: string; required?: boolean }>;
          requestBody?: { required?: boolean };
        };
        const needsInput = path.includes("{") || !!op.requestBody?.required || !!op.parameters?.some((p) => p.in === "query" && p.required);
        return { method: m.toUpperCase(), path, access: op["x-access"], needsInput };
      }),
    ),
  );
}

/** What the matrix cannot test: operations without a declaration, or needing inputs without a fixture. */
function gaps(operations: Operation[]): string[] {
  return operations.flatMap((o) => {
    const key = `${o.method} ${o.path}`;
    if (!o.access) return [`${key}: no access declaration (declareRoute)`];
    if (o.needsInput && !FIXTURES[key]) return [`${key}: needs a FIXTURES entry`];
    return [];
  });
}

async function tokenOf(identity: Identity): Promise<string | undefined> {
  const exp = Math.floor(Date.now() / 1000) + 600;
  switch (identity) {
    case "none":
      return undefined;
    case "malformed":
      return "not-a-jwt";
    case "badSignature":
      return tokenFor({ sub: OWNER, role: "admin" }, "another-secret-0123456789abcdef-xyz");
    case "expired":
      return tokenFor({ sub: OWNER, role: "admin", exp: Math.floor(Date.now() / 1000) - 60 });
    case "owner":
      return tokenFor({ sub: OWNER, role: "user", exp });
    case "otherUser":
      return tokenFor({ sub: "matrix-intruder", role: "user", exp });
    case "service":
      return tokenFor({ sub: "matrix-service", role: "service", exp });
    case "admin":
      return tokenFor({ sub: "matrix-admin", role: "admin", exp });
  }
}

/** The status a declaration implies for an identity ("ok" = the admitted caller's status). */
function expected(access: { role: string; owner?: boolean }, identity: Identity): number | "ok" {
  if (access.role === "public") return "ok";
  if (["none", "malformed", "badSignature", "expired"].includes(identity)) return 401;
  const role = identity === "service" ? "service" : identity === "admin" ? "admin" : "user";
  if (access.role === "admin" && role !== "admin") return 403;
  if (access.role === "service" && role === "user") return 403;
  if (access.owner && (identity === "otherUser" || identity === "service")) return 404;
  return "ok";
}

function url(path: string, req: Request): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(req.params?.[name] ?? ""));
  const query = req.query ? `?${new URLSearchParams(req.query)}` : "";
  return `https://api.test${filled}${query}`;
}

const docs = openApiDocuments(createApp());
const OPERATIONS = operationsOf([docs.client, docs.operator]);

beforeAll(async () => {
  await seedRecordedRegistry();
  const cap = await callApi(
    "root",
    "PUT",
    `/admin/users/${OWNER}/entitlements`,
    { maxActiveAssets: 20, maxModelStrength: 2, maxClones: 1000 },
    "admin",
  );
  expect(cap.status).toBe(200);
});

describe("route × identity matrix", () => {
  it("covers every operation of both documents: each has a declaration and, if it needs inputs, a fixture", () => {
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(21);
    expect(gaps(OPERATIONS)).toEqual([]);
  });

  it("fails for a route without a declaration (the check above is not vacuous)", () => {
    const router = createRouter();
    const bare = createRoute({ method: "get", path: "/undeclared", responses: { 200: { description: "x" } } });
    const declared = declareRoute({ access: { role: "user" }, method: "get", path: "/declared", responses: { 200: { description: "x" } } });
    router.openapi(bare, (c) => c.json({}, 200)).openapi(declared, (c) => c.json({}, 200));
    const doc = router.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
    expect(gaps(operationsOf([doc]))).toEqual(["GET /undeclared: no access declaration (declareRoute)"]);
  });

  for (const op of OPERATIONS) {
    it(`${op.method} ${op.path}`, async () => {
      if (!op.access) throw new Error("undeclared");
      const observed: Record<string, number> = {};
      const wanted: Record<string, number> = {};
      for (const identity of IDENTITIES) {
        const req = (await FIXTURES[`${op.method} ${op.path}`]?.()) ?? {};
        const token = await tokenOf(identity);
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        if (req.body !== undefined) headers["content-type"] = "application/json";
        const res = await SELF.fetch(url(op.path, req), {
          method: op.method,
          headers,
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
        });
        await res.arrayBuffer();
        const want = expected(op.access, identity);
        observed[identity] = res.status;
        wanted[identity] = want === "ok" ? (req.ok ?? 200) : want;
      }
      expect(observed).toEqual(wanted);
    });
  }
});

describe("HTML pages and raw documents in the matrix", () => {
  it("declares every route outside /api/v1", () => {
    const app = createApp();
    const routes = app.routes.filter((r) => r.method !== "ALL" && !r.path.startsWith("/api/v1") && r.path !== "*" && r.path !== "/*");
    const declared = new Set(PAGES.map((p) => `${p.method} ${p.path}`));
    const missing = [...new Set(routes.map((r) => `${r.method} ${r.path.replace(/\/$/, "")}`))].filter((r) => !declared.has(r));
    expect(missing).toEqual([]);
  });

  for (const page of PAGES) {
    it(`${page.method} ${page.path}`, async () => {
      const observed: Record<string, number> = {};
      const wanted: Record<string, number> = {};
      for (const identity of IDENTITIES) {
        const token = await tokenOf(identity);
        const init: RequestInit & { headers: Record<string, string> } = {
          method: page.method,
          headers: { origin: "https://api.test" },
          redirect: "manual",
        };
        if (page.credential === "form") {
          init.headers["content-type"] = "application/x-www-form-urlencoded";
          init.body = new URLSearchParams(token ? { token } : {});
        } else if (token) {
          init.headers.authorization = `Bearer ${token}`;
        }
        const res = await SELF.fetch(`https://api.test${page.path}`, init);
        await res.arrayBuffer();
        const want = expected(page as PageAccess, identity);
        observed[identity] = res.status;
        wanted[identity] = want === "ok" ? page.ok : want;
      }
      expect(observed).toEqual(wanted);
    });
  }
});

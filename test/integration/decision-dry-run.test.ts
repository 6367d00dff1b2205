/**
 * The workflow dry-run through the Worker: the demo pipeline on the replayed BTC/ETH series, decided
 * once as of a past minute with rules-v1, through the prop accounts' gates and paper engine on a
 * clone-scoped dry-run ledger. Returns runs, actions, gate outcomes, packet hashes and artifact links;
 * creates no prop account. Owner only; future asOf, unknown symbols and unconfigured providers are
 * answered without a model call. Also: the queue dispatch table equals wrangler.toml's consumers.
 */
import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_GRAPH } from "../../src/cli/lib/demo-graph";
import { randomIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { decisionRuns } from "../../src/domains/decision";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { propAccounts } from "../../src/domains/trading";
import { runJobNow } from "../../src/jobs";
import { QUEUE_CONSUMERS } from "../../src/queues";
import wranglerToml from "../../wrangler.toml?raw";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import ethText from "../fixtures/ohlcv_1m/binance_spot_ETHUSDT_1m.jsonl?raw";
import { bearer } from "../support/auth";
import { storeMinutes } from "../support/candles";
import { seedRecordedRegistry } from "../support/registry-seed";

const MIN = 60_000;
const db = openDb(env.DB);
const ids = randomIds;
const btc = parseCandleLines(btcText).slice(0, 180);
const eth = parseCandleLines(ethText).slice(0, 180);
const AS_OF = (btc.at(-1)?.openTimeMs ?? 0) + MIN;

async function api(user: string, method: string, path: string, body?: unknown) {
  const headers = { ...(await bearer(user)), "content-type": "application/json" };
  const res = await SELF.fetch(`https://api.test/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

async function demoClone(user: string, modelId: string): Promise<string> {
  const created = await api(user, "POST", "/clones", { name: "Dry", modelId });
  expect(created.status).toBe(201);
  expect((await api(user, "PUT", `/clones/${created.body.id}/pipeline`, { version: 0, graph: DEMO_GRAPH, layout: {} })).status).toBe(200);
  return created.body.id;
}

beforeAll(async () => {
  await seedRecordedRegistry();
  await storeMinutes(db, "BTC", btc);
  await storeMinutes(db, "ETH", eth);
  const at = { clock: { nowMs: () => AS_OF }, ids };
  expect((await runJobNow(env, at, "market-data.indicators-1m", {})).ok).toBe(true);
  const replay = { ...env, HYPERLIQUID_INFO_URL: inject("replayExchange").infoUrl };
  expect((await runJobNow(replay, at, "market-data.poll-contexts", {})).ok).toBe(true);
});

describe("workflow dry-run", () => {
  it("decides every candidate once with the clone's engine, through the gates, on a dry-run ledger", async () => {
    const cloneId = await demoClone("dora", "rules-v1");
    const res = await api("dora", "POST", `/clones/${cloneId}/dry-run`, { asOfMs: AS_OF });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { runs, effects, account, dryRunId } = res.body;
    expect(runs.map((r: { symbol: string }) => r.symbol).sort()).toEqual(["BTC", "ETH"]);
    for (const run of runs) {
      expect(run).toMatchObject({ status: "succeeded", accountId: null, dryRunId, engine: "rules", asOfMs: AS_OF });
      expect(run.packetHash).toMatch(/^[0-9a-f]{64}$/);
      expect(run.artifacts.prompt).toBe(`/api/v1/decision-runs/${run.id}/artifacts/prompt`);
      expect(run.action.outcome.status).toMatch(/^(filled|denied|accepted)$/);
      if (run.action.outcome.status === "denied") expect(run.action.gateCode).toBeTruthy();
    }
    const filled = runs.filter((r: { action: { outcome: { status: string } } }) => r.action.outcome.status === "filled");
    const fillEffects = effects.filter((e: { type: string }) => e.type === "fill");
    expect(fillEffects).toHaveLength(filled.length);
    expect(account.accountId).toBe(dryRunId);
    expect(account.cashMicroUsd).toBe(Object.values(account.ledger as Record<string, number>).reduce((sum, v) => sum + v, 0));
    // No prop account: the dry-run ledger lived for the request; its runs are kept under their scope.
    expect(await db.select().from(propAccounts).where(eq(propAccounts.cloneId, cloneId))).toEqual([]);
    const stored = await db.select().from(decisionRuns).where(eq(decisionRuns.dryRunId, dryRunId));
    expect(stored.map((r) => r.scopeKey)).toEqual([`dryrun:${dryRunId}`, `dryrun:${dryRunId}`]);
    const listed = await api("dora", "GET", `/clones/${cloneId}/decision-runs`);
    expect(listed.body.runs).toHaveLength(2);
  });

  it("limits to the given symbols and refuses what the pipeline does not decide, a future asOf and strangers", async () => {
    const cloneId = await demoClone("dean", "hold");
    const one = await api("dean", "POST", `/clones/${cloneId}/dry-run`, { asOfMs: AS_OF, symbols: ["ETH"] });
    expect(one.status).toBe(200);
    expect(one.body.runs).toHaveLength(1);
    expect(one.body.runs[0]).toMatchObject({ symbol: "ETH", engine: "hold", action: { kind: "hold", outcome: { status: "accepted" } } });
    expect((await api("dean", "POST", `/clones/${cloneId}/dry-run`, { symbols: ["DOGE"] })).status).toBe(422);
    expect((await api("dean", "POST", `/clones/${cloneId}/dry-run`, { asOfMs: Date.now() + 3_600_000 })).status).toBe(400);
    expect((await api("dean", "POST", `/clones/${cloneId}/dry-run`, { symbols: "BTC" })).status).toBe(400);
    expect((await api("eve", "POST", `/clones/${cloneId}/dry-run`, {})).status).toBe(404);
  });

  it("records runs skipped with provider_not_configured for a model whose provider has no key", async () => {
    const cloneId = await demoClone("dina", "gpt-5-mini");
    const res = await api("dina", "POST", `/clones/${cloneId}/dry-run`, { asOfMs: AS_OF });
    expect(res.status).toBe(200);
    expect(
      res.body.runs.every((r: { status: string; reason: string }) => r.status === "skipped" && r.reason === "provider_not_configured"),
    ).toBe(true);
    expect(res.body.effects).toEqual([]);
  });
});

describe("queue dispatch", () => {
  it("keeps wrangler.toml's queue consumers and the dispatch table equal", () => {
    const consumers = [...wranglerToml.matchAll(/\[\[queues\.consumers\]\]\s*\nqueue\s*=\s*"([^"]+)"/g)].map((m) => m[1]).sort();
    expect(consumers).toEqual(Object.keys(QUEUE_CONSUMERS).sort());
  });
});

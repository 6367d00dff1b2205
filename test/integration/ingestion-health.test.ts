/**
 * Ingestion health through the admin API on a fixed clock, over polls of the recorded responses:
 * a channel whose newest datapoint is older than its threshold is `stale`; one failed poll makes a
 * channel `degraded`, two in a row `failing` (with the last error and the last success kept); a
 * switched-off channel is `disabled`. Also the admin-only guard and the per-source detail route.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/app";
import { DAY_MS, fixedClock, HOUR_MS, MINUTE_MS } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { pollTvl } from "../../src/domains/market-data/defillama/defillama.service";
import type { ChannelHealth } from "../../src/domains/market-data/ingestion/health.model";
import { discover } from "../../src/domains/market-data/polymarket/polymarket.discovery";
import { runJobNow } from "../../src/jobs";
import drift from "../fixtures/defillama/protocol_drift-trade.reduced.json";
import { bearer } from "../support/auth";
import { faultUrl, TEST_POLICY, testPollContext } from "../support/ingestion";

const ids = sequentialIds();
const pm = inject("polymarketUrl");
const ll = inject("defillamaUrl");
const PM_NOW = Date.UTC(2026, 2, 11, 16, 0, 0);
const LL_NEWEST = (drift.tvl.at(-1)?.date as number) * 1000;
const LL_NOW = LL_NEWEST + HOUR_MS;
const PAGES = { eventsPageSize: 50, marketsPageSize: 50, maxPages: 5, flushRows: 1000 };

async function health(nowMs: number, path = "/api/v1/admin/ingestion", role: "admin" | "user" = "admin", extraEnv = {}) {
  const app = createApp({ clock: fixedClock(nowMs), ids });
  const res = await app.request(path, { headers: await bearer("ops", role, nowMs) }, { ...env, ...extraEnv });
  return {
    status: res.status,
    body: (await res.json()) as { channels: ChannelHealth[]; recentRuns?: unknown[]; error?: { code: string } },
  };
}
const channel = (rows: ChannelHealth[], key: string) => rows.find((r) => `${r.source}:${r.channel}` === key) as ChannelHealth;

beforeEach(async () => {
  await env.DB.batch(
    ["polymarket_events", "polymarket_markets", "polymarket_prices", "defillama_metrics", "ingestion_runs"].map((t) =>
      env.DB.prepare(`DELETE FROM ${t}`),
    ),
  );
});

describe("ingestion health", () => {
  it("marks a channel with old data stale, and ok while its data is fresh", async () => {
    const ctx = testPollContext(LL_NOW, { DEFILLAMA_CHAINS: "Solana", DEFILLAMA_PROTOCOLS: "drift-trade" });
    expect((await pollTvl(ctx, { apiUrl: ll, stablecoinsUrl: ll }, TEST_POLICY)).status).toBe("ok");

    const fresh = channel((await health(LL_NOW + 5 * MINUTE_MS)).body.channels, "defillama:tvl");
    expect(fresh).toMatchObject({
      status: "ok",
      lastSuccessMs: LL_NOW,
      lastError: null,
      newestDataMs: LL_NEWEST,
      lagMs: HOUR_MS + 5 * MINUTE_MS,
      volume: { lastHour: 24, lastDay: 24 },
      coverage: { fresh: 3, expected: 3 },
    });
    expect(fresh.last24h).toHaveLength(24);
    expect(fresh.last24h.at(-1)).toEqual({ hourStartMs: Math.floor(LL_NOW / HOUR_MS) * HOUR_MS, rows: 24, lagMs: HOUR_MS });

    const later = LL_NOW + 7 * HOUR_MS;
    const old = channel((await health(later)).body.channels, "defillama:tvl");
    expect(old).toMatchObject({
      status: "stale",
      lagMs: later - LL_NEWEST,
      volume: { lastHour: 0, lastDay: 24 },
      coverage: { fresh: 0, expected: 3 },
    });
    // Never polled at all: no data is stale too, not ok.
    expect(channel((await health(later)).body.channels, "defillama:fees")).toMatchObject({
      status: "stale",
      lastSuccessMs: null,
      lagMs: null,
    });
  });

  it("marks a channel degraded after one failed poll and failing after two, keeping the last success", async () => {
    const urls = { gammaUrl: pm, clobUrl: pm };
    const broken = faultUrl(pm, "500", "events");
    expect((await discover(testPollContext(PM_NOW), urls, TEST_POLICY, PAGES)).status).toBe("ok");
    expect(channel((await health(PM_NOW + MINUTE_MS)).body.channels, "polymarket:events")).toMatchObject({
      status: "ok",
      consecutiveFailures: 0,
    });

    const t1 = PM_NOW + 5 * MINUTE_MS;
    await discover(testPollContext(t1), { gammaUrl: broken, clobUrl: broken }, TEST_POLICY, PAGES);
    expect(channel((await health(t1)).body.channels, "polymarket:events")).toMatchObject({ status: "degraded", consecutiveFailures: 1 });

    const t2 = PM_NOW + 10 * MINUTE_MS;
    await discover(testPollContext(t2), { gammaUrl: broken, clobUrl: broken }, TEST_POLICY, PAGES);
    const rows = (await health(t2)).body.channels;
    for (const key of ["polymarket:events", "polymarket:markets"]) {
      expect(channel(rows, key)).toMatchObject({
        status: "failing",
        consecutiveFailures: 2,
        lastSuccessMs: PM_NOW,
        lastError: { atMs: t2, message: expect.stringMatching(/status 500/) },
      });
    }
    // Data stays as the last good poll stored it: lag grows from that datapoint.
    expect(channel(rows, "polymarket:markets").lagMs).toBe(10 * MINUTE_MS);

    // A good poll clears it.
    const t3 = PM_NOW + 15 * MINUTE_MS;
    await discover(testPollContext(t3), urls, TEST_POLICY, PAGES);
    expect(channel((await health(t3)).body.channels, "polymarket:events")).toMatchObject({ status: "ok", consecutiveFailures: 0 });
  });

  it("reports switched-off channels as disabled with a note, and indicator channels without rows as stale", async () => {
    const { body } = await health(PM_NOW, "/api/v1/admin/ingestion", "admin", { INGEST_DISABLED_CHANNELS: "defillama:fees" });
    expect(channel(body.channels, "defillama:fees")).toMatchObject({
      status: "disabled",
      note: expect.stringMatching(/INGEST_DISABLED_CHANNELS/),
    });
    expect(channel(body.channels, "hyperliquid:rsi")).toMatchObject({ status: "stale", note: null, lagMs: null });
    expect(body.channels.map((c) => `${c.source}:${c.channel}`)).toHaveLength(17);
  });

  it("is admin only, and has per-source detail with recent runs", async () => {
    expect((await health(PM_NOW, "/api/v1/admin/ingestion", "user")).status).toBe(403);
    const anonymous = await createApp({ clock: fixedClock(PM_NOW), ids }).request("/api/v1/admin/ingestion", {}, env);
    expect(anonymous.status).toBe(401);

    await discover(testPollContext(PM_NOW), { gammaUrl: pm, clobUrl: pm }, TEST_POLICY, PAGES);
    const detail = await health(PM_NOW, "/api/v1/admin/ingestion/polymarket");
    expect(detail.status).toBe(200);
    expect(detail.body.channels.map((c) => c.channel)).toEqual(["markets", "events", "prices"]);
    expect(detail.body.recentRuns).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: "markets", status: "ok", rowsWritten: expect.any(Number) })]),
    );
    expect((await health(PM_NOW, "/api/v1/admin/ingestion/binance")).body.error?.code).toBe("validation_failed");
    const hl = await health(PM_NOW, "/api/v1/admin/ingestion/hyperliquid");
    expect(hl).toMatchObject({ status: 200, body: { feeds: [] } });
  });

  it("prunes run records past the retention window and keeps the recent ones", async () => {
    const urls = { gammaUrl: pm, clobUrl: pm };
    await discover(testPollContext(PM_NOW - 8 * DAY_MS), urls, TEST_POLICY, PAGES);
    await discover(testPollContext(PM_NOW - DAY_MS), urls, TEST_POLICY, PAGES);
    const result = await runJobNow(env, { clock: fixedClock(PM_NOW), ids }, "market-data.prune-ingestion-runs", {});
    expect(result.ok && result.value.status === "ran" && result.value.run).toMatchObject({ status: "ok", itemsProcessed: 2 });
    const left = await env.DB.prepare("SELECT started_at_ms FROM ingestion_runs").all<{ started_at_ms: number }>();
    expect(left.results.map((r) => r.started_at_ms)).toEqual([PM_NOW - DAY_MS, PM_NOW - DAY_MS]);
  });
});

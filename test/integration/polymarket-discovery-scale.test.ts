/**
 * Polymarket discovery at real scale (issue 13): the stand-in's `/__scaled/50000` lists 50,000 open
 * markets (recorded markets copied with new ids/slugs, one malformed item) keyset-paginated by 100.
 * The run spans several invocations (`pagesPerTick`), each resuming from the cursor stored in
 * `polymarket_discovery_runs` and fetching at most `pagesPerTick` pages; readers see nothing until the
 * last tick promotes the whole run; the malformed market is skipped and counted on the run record.
 * A run that stops advancing is abandoned after the staging TTL and a fresh one starts.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { discover, STAGING_TTL_MS } from "../../src/domains/market-data/polymarket/polymarket.discovery";
import { runsOf, TEST_POLICY, tableCount, testPollContext } from "../support/ingestion";

const NOW = Date.UTC(2026, 2, 11, 16, 0, 0); // the recording's day, so its open markets are still open
const MARKETS = 50_000;
const PAGES_PER_TICK = 100;
const scaled = `${inject("polymarketUrl")}/__scaled/${MARKETS}`;
const urls = { gammaUrl: scaled, clobUrl: scaled };
// The shared CPU is often saturated: a 400 ms deadline would time out pages of 100 generated markets.
const POLICY = { ...TEST_POLICY, timeoutMs: 10_000 };
const options = { eventsPageSize: 500, marketsPageSize: 100, maxPages: 1000, flushRows: 1000, pagesPerTick: PAGES_PER_TICK };

interface RunRecord {
  id: string;
  status: string;
  ticks: number;
  events_pages: number;
  markets_pages: number;
  skipped: number;
  skipped_json: string;
  error: string | null;
}
const runRecords = async () =>
  (await env.DB.prepare("SELECT * FROM polymarket_discovery_runs ORDER BY started_at_ms, id").all<RunRecord>()).results;
const openMarkets = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM polymarket_markets WHERE closed = 0").first<{ n: number }>())?.n;

describe("polymarket discovery over 50,000 open markets", () => {
  beforeEach(async () => {
    await env.DB.batch(
      [
        "polymarket_events",
        "polymarket_markets",
        "ingestion_runs",
        "polymarket_discovery_runs",
        "polymarket_events_staging",
        "polymarket_markets_staging",
      ].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
    );
  });

  it("resumes across ticks from the stored cursor, each tick within pagesPerTick, promotes once, skips and counts the malformed item", async () => {
    const ticks: Array<{ status: string; pages: number; ms: number }> = [];
    let pagesBefore = 0;
    for (let tick = 0; tick < 20; tick++) {
      const started = Date.now();
      const outcome = await discover(testPollContext(NOW + tick * 60_000), urls, POLICY, options);
      const record = (await runRecords()).at(-1) as RunRecord;
      const pages = record.events_pages + record.markets_pages;
      ticks.push({
        status: outcome.status === "error" ? `error: ${outcome.error}` : outcome.status,
        pages: pages - pagesBefore,
        ms: Date.now() - started,
      });
      pagesBefore = pages;
      if (outcome.status !== "in-progress") break;
      // Between ticks nothing is visible, and the run's position is stored.
      expect(await tableCount("polymarket_markets")).toBe(0);
      expect(record).toMatchObject({ status: "running", ticks: tick + 1 });
    }
    console.log("discovery ticks (pages, wall ms):", ticks.map((t) => `${t.pages}p/${t.ms}ms`).join(" "));
    // 1 events page + 500 markets pages at 100 pages per tick: 6 ticks, the last one promotes.
    expect(ticks.map((t) => t.status)).toEqual(["in-progress", "in-progress", "in-progress", "in-progress", "in-progress", "ok"]);
    for (const t of ticks) expect(t.pages).toBeLessThanOrEqual(PAGES_PER_TICK);
    expect(ticks.reduce((n, t) => n + t.pages, 0)).toBe(501);

    const [record] = await runRecords();
    expect(record).toMatchObject({ status: "ok", ticks: 6, events_pages: 1, markets_pages: 500, skipped: 1, error: null });
    expect(JSON.parse(record?.skipped_json as string)).toEqual({
      items: [expect.stringMatching(/^markets page 250 item 0: id .*-c\d+: question/)],
    });
    // 49,999 listed markets (one skipped) plus the recording's embedded ones that are not copies.
    const markets = await openMarkets();
    expect(markets).toBeGreaterThanOrEqual(MARKETS - 1);
    expect(await tableCount("polymarket_markets_staging")).toBe(0);
    expect((await runsOf("polymarket", "markets"))[0]).toMatchObject({ status: "ok", rows_written: markets });
  }, 180_000); // ~50,000 rows staged and promoted in local D1 on a shared CPU: a fixed workload, not a speed target

  it("a run that stops advancing is abandoned after the staging TTL: its staged rows go, a fresh run starts", async () => {
    expect((await discover(testPollContext(NOW), urls, POLICY, options)).status).toBe("in-progress");
    expect(await tableCount("polymarket_markets_staging")).toBeGreaterThan(0);
    const later = NOW + STAGING_TTL_MS + 60_000;
    expect((await discover(testPollContext(later), urls, POLICY, options)).status).toBe("in-progress");
    const [stalled, fresh] = await runRecords();
    expect(stalled).toMatchObject({ status: "abandoned", error: expect.stringMatching(/stalled/) });
    expect(fresh).toMatchObject({ status: "running", ticks: 1, markets_pages: PAGES_PER_TICK - 1 });
    const runIds = await env.DB.prepare("SELECT DISTINCT run_id FROM polymarket_markets_staging").all<{ run_id: string }>();
    expect(runIds.results.map((r) => r.run_id)).toEqual([fresh?.id]);
  }, 120_000);
});

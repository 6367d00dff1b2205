/**
 * Polymarket ingestion against the local stand-in serving the REAL recorded Gamma objects
 * (test/fixtures/polymarket). The keyset pages are built by the stand-in from the recorded events and
 * markets (the recording has no keyset page), and price history is the recorded outcome price at the
 * recorded update time (no price history was recorded); see src/cli/stand-ins/polymarket.stand-in.ts.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { discover } from "../../src/domains/market-data/polymarket/polymarket.discovery";
import { TargetSchema } from "../../src/domains/market-data/polymarket/polymarket.model";
import { contextFor, pollPrices } from "../../src/domains/market-data/polymarket/polymarket.service";
import nominee from "../fixtures/polymarket/gamma_events_democratic-presidential-nominee-2028.json";
import btcUpDown from "../fixtures/polymarket/gamma_market_btc-updown-5m_open.json";
import { faultUrl, runsOf, TEST_POLICY, tableCount, testPollContext } from "../support/ingestion";

const NOW = Date.UTC(2026, 2, 11, 16, 0, 0); // the recording's day, so its open markets are still open
const base = inject("polymarketUrl");
const urls = { gammaUrl: base, clobUrl: base };
const small = { eventsPageSize: 2, marketsPageSize: 2, maxPages: 20, flushRows: 3 }; // forces several pages and batches

async function clear() {
  await env.DB.batch(
    ["polymarket_events", "polymarket_markets", "polymarket_prices", "ingestion_runs"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
  );
}

describe("polymarket discovery", () => {
  beforeEach(clear);

  it("stores the recorded open events and markets across keyset pages, as recorded", async () => {
    const outcome = await discover(testPollContext(NOW), urls, TEST_POLICY, small);
    expect(outcome.status).toBe("ok");
    // Open in the recording: events 30829, 246060, 260654; markets 559657, 559659, 1500056, 1557558.
    const events = (await env.DB.prepare("SELECT id FROM polymarket_events ORDER BY id").all<{ id: string }>()).results.map((r) => r.id);
    expect(events).toEqual(["246060", "260654", "30829"]);
    const markets = await env.DB.prepare("SELECT * FROM polymarket_markets ORDER BY id").all<Record<string, unknown>>();
    expect(markets.results.map((m) => m.id)).toEqual(["1500056", "1557558", "559657", "559659"]);

    const recorded = nominee[0]?.markets[0] as (typeof nominee)[0]["markets"][0];
    const stored = markets.results.find((m) => m.id === recorded.id) as Record<string, unknown>;
    expect(stored).toMatchObject({
      event_id: "30829",
      slug: recorded.slug,
      question: recorded.question,
      condition_id: recorded.conditionId,
      end_ms: Date.parse(recorded.endDate),
      active: 1,
      closed: 0,
      volume_micro_usd: Math.round(Number(recorded.volume) * 1e6),
      liquidity_micro_usd: Math.round(Number(recorded.liquidity) * 1e6),
    });
    const tokens = JSON.parse(recorded.clobTokenIds) as string[];
    expect(JSON.parse(stored.outcomes_json as string)).toEqual([
      { name: "Yes", price: Number(JSON.parse(recorded.outcomePrices)[0]), tokenId: tokens[0] },
      { name: "No", price: Number(JSON.parse(recorded.outcomePrices)[1]), tokenId: tokens[1] },
    ]);
    expect(JSON.parse(stored.tags_json as string)).toContain("politics");
    // A market listed alone keeps the event learnt from its embedding event.
    expect(markets.results.find((m) => m.id === btcUpDown.id)).toMatchObject({ event_id: "260654", slug: btcUpDown.slug });

    const runs = await runsOf("polymarket", "markets");
    expect(runs).toEqual([expect.objectContaining({ status: "ok", rows_written: 4, error: null })]);
  });

  it.each([
    ["500", "markets+paged"],
    ["timeout", "markets"],
    ["malformed", "events"],
  ] as const)("a %s on %s records an error and writes nothing", async (kind, prefix) => {
    const faulty = faultUrl(base, kind, prefix);
    const outcome = await discover(testPollContext(NOW), { gammaUrl: faulty, clobUrl: faulty }, TEST_POLICY, small);
    expect(outcome.status).toBe("error");
    expect(await tableCount("polymarket_events")).toBe(0);
    expect(await tableCount("polymarket_markets")).toBe(0);
    for (const channel of ["events", "markets"]) {
      const runs = await runsOf("polymarket", channel);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: "error", rows_written: 0 });
      expect(runs[0]?.error).toMatch(kind === "500" ? /http: status 500/ : kind === "timeout" ? /timeout/ : /malformed: body is not JSON/);
    }
  });

  it("a failed poll leaves earlier stored rows untouched", async () => {
    await discover(testPollContext(NOW), urls, TEST_POLICY, small);
    const before = await env.DB.prepare("SELECT * FROM polymarket_markets ORDER BY id").all();
    const faulty = faultUrl(base, "500", "markets+paged");
    const outcome = await discover(testPollContext(NOW + 60_000), { gammaUrl: faulty, clobUrl: faulty }, TEST_POLICY, small);
    expect(outcome.status).toBe("error");
    expect((await env.DB.prepare("SELECT * FROM polymarket_markets ORDER BY id").all()).results).toEqual(before.results);
  });
});

describe("polymarket context and prices", () => {
  beforeEach(async () => {
    await clear();
    await discover(testPollContext(NOW), urls, TEST_POLICY, small);
  });

  it("picks the immediate and later market of an event, and resolves market targets", async () => {
    const ctx = await contextFor(testPollContext(NOW).db, TargetSchema.parse("event:democratic-presidential-nominee-2028"), NOW);
    // Both markets end 2028-11-07: ties order by id.
    expect(ctx?.immediate?.id).toBe("559657");
    expect(ctx?.later?.id).toBe("559659");
    const market = await contextFor(testPollContext(NOW).db, TargetSchema.parse("btc-updown-5m-1773307200"), NOW);
    expect(market?.resolved.kind).toBe("market");
    expect(market?.immediate?.id).toBe("1557558");
    // After its end the 5-minute market is no longer the immediate one.
    const after = await contextFor(
      testPollContext(NOW).db,
      TargetSchema.parse("btc-updown-5m-1773307200"),
      Date.parse(btcUpDown.endDate) + 1,
    );
    expect(after?.immediate).toBeNull();
    expect(await contextFor(testPollContext(NOW).db, TargetSchema.parse("event:no-such-event"), NOW)).toBeUndefined();
  });

  it("legacy asset matching finds the BTC markets; the immediate one is the soonest to resolve", async () => {
    const ctx = await contextFor(testPollContext(NOW).db, TargetSchema.parse("asset:BTC"), NOW);
    expect(ctx?.resolved.markets.map((m) => m.id).sort()).toEqual(["1500056", "1557558"]);
    expect(ctx?.immediate?.id).toBe("1557558"); // 2026-03-12T09:25Z; 1500056 ended 2026-03-11T16:00Z
    expect(ctx?.later).toBeNull();
  });

  it("stores the watched markets' price points as recorded, and a CLOB failure writes nothing", async () => {
    const ctx = testPollContext(NOW, { POLYMARKET_WATCHED_MARKETS: "democratic-presidential-nominee-2028" });
    const bad = faultUrl(base, "malformed", "prices-history");
    expect((await pollPrices(ctx, { gammaUrl: base, clobUrl: bad }, TEST_POLICY)).status).toBe("error");
    expect(await tableCount("polymarket_prices")).toBe(0);

    expect((await pollPrices(ctx, urls, TEST_POLICY)).status).toBe("ok");
    const { results } = await env.DB.prepare("SELECT * FROM polymarket_prices ORDER BY market_id, outcome").all<Record<string, unknown>>();
    const m = nominee[0]?.markets[0] as (typeof nominee)[0]["markets"][0];
    expect(results.filter((r) => r.market_id === m.id)).toEqual([
      expect.objectContaining({
        outcome: "No",
        price: Number(JSON.parse(m.outcomePrices)[1]),
        t_ms: Math.floor(Date.parse(m.updatedAt) / 1000) * 1000,
      }),
      expect.objectContaining({ outcome: "Yes", price: Number(JSON.parse(m.outcomePrices)[0]), token_id: JSON.parse(m.clobTokenIds)[0] }),
    ]);
    expect(results).toHaveLength(4);
    expect((await runsOf("polymarket", "prices")).map((r) => r.status)).toEqual(["error", "ok"]);
  });
});

/**
 * src/db/json-upsert.ts: column maps derived from the drizzle tables round-trip rows exactly, and
 * `inJsonList` reads with more ids than D1's 100 bound parameters (what an `asset:` target of the
 * latest endpoint can need): `latestMarkets` with 250 ids returns exactly the named markets.
 */
import { env } from "cloudflare:test";
import { getTableColumns } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { upsertRows, upsertSpec } from "../../src/db/json-upsert";
import { latestMarkets } from "../../src/domains/market-data/polymarket/polymarket.service";
import { polymarketMarkets } from "../../src/domains/market-data/polymarket/polymarket.tables";

const market = (i: number) => ({
  id: `m${i}`,
  eventId: null,
  slug: `slug-${i}`,
  question: `question ${i}?`,
  conditionId: null,
  outcomesJson: "[]",
  startMs: null,
  endMs: null,
  active: true,
  closed: false,
  archived: false,
  volumeMicroUsd: i * 1_000_000,
  liquidityMicroUsd: null,
  tagsJson: "[]",
  sourceUpdatedAtMs: 1_000 + i,
  ingestedAtMs: 5,
  firstSeenAtMs: 5,
});

describe("json-upsert", () => {
  it("derives the column map from the drizzle table", () => {
    const spec = upsertSpec(polymarketMarkets, { conflict: [polymarketMarkets.id] });
    expect(spec.table).toBe("polymarket_markets");
    expect(Object.keys(spec.columns).sort()).toEqual(
      Object.values(getTableColumns(polymarketMarkets))
        .map((c) => c.name)
        .sort(),
    );
    expect(spec.columns.event_id).toBe("eventId");
    expect(spec.conflict).toEqual(["id"]);
  });

  it("reads 250 ids through one json_each parameter", async () => {
    const rows = Array.from({ length: 600 }, (_, i) => market(i));
    await env.DB.batch(upsertRows(env.DB, upsertSpec(polymarketMarkets, { conflict: [polymarketMarkets.id] }), rows));
    const db = openDb(env.DB);
    const wanted = rows
      .filter((_, i) => i % 2 === 0)
      .slice(0, 250)
      .map((r) => r.id);
    const got = await latestMarkets(db, wanted, 1000);
    expect(got.map((r) => r.id).sort()).toEqual([...wanted].sort());
    expect(got[0]).toEqual(market(498));
    expect(await latestMarkets(db, [], 10)).toEqual([]);
  });
});

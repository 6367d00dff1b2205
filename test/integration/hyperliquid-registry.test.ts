/**
 * Asset registry refresh from the replay exchange's recorded answers (metaAndAssetCtxs.json and
 * spotMeta.json), through the job runner: counts, trading rules, capability flags, spot display names,
 * delisting that keeps history, and a malformed answer that writes nothing. Then the client routes
 * (categories, assets) and the feed sharding job with its internal status route.
 */
import { env, SELF } from "cloudflare:test";
import { afterAll, describe, expect, inject, it } from "vitest";
import { fixedClock, HOUR_MS } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { marginTiersFor } from "../../src/domains/market-data";
import { runJobNow } from "../../src/jobs";
import { bearer } from "../support/auth";

const replay = inject("replayExchange");
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const ids = sequentialIds();
const exchangeEnv = (infoUrl = replay.infoUrl): Env => ({ ...env, HYPERLIQUID_INFO_URL: infoUrl, HYPERLIQUID_WS_URL: replay.wsUrl });

async function runJob(name: string, nowMs: number, infoUrl?: string, params: Record<string, unknown> = {}) {
  const result = await runJobNow(exchangeEnv(infoUrl), { clock: fixedClock(nowMs), ids }, name, params);
  if (!result.ok || result.value.status !== "ran") throw new Error(`job ${name} did not run`);
  return result.value.run;
}

type AssetRow = Record<string, unknown> & { symbol: string };
async function asset(symbol: string): Promise<AssetRow | null> {
  return env.DB.prepare("SELECT * FROM hyperliquid_assets WHERE symbol = ?").bind(symbol).first<AssetRow>();
}
async function count(where = "1 = 1"): Promise<number> {
  return (await env.DB.prepare(`SELECT count(*) AS n FROM hyperliquid_assets WHERE ${where}`).first<{ n: number }>())?.n ?? -1;
}

describe("market-data.refresh-assets", () => {
  it("fails on a malformed answer, records the error and writes nothing", async () => {
    const run = await runJob("market-data.refresh-assets", T0, `${replay.baseUrl}/malformed/info`);
    expect(run.status).toBe("error");
    expect(run.error).toMatch(/malformed/);
    expect(await count()).toBe(0);
  });

  it("upserts every perp and spot pair from the recorded answers", async () => {
    const run = await runJob("market-data.refresh-assets", T0 + 1);
    expect(run.status).toBe("ok");
    expect(JSON.parse(run.summaryJson ?? "{}")).toEqual({
      perps: 232,
      spot: 4,
      delisted: 55,
      newListings: 236,
      newlyDelisted: 0,
      marginTables: 7,
    });
    expect(await count("kind = 'perp'")).toBe(232);
    expect(await count("kind = 'perp' AND is_delisted = 1")).toBe(55);
    expect(await count("kind = 'spot'")).toBe(4);
    // The margin tables ride along; BTC's table 56 is tiered 40x then 20x above $150M notional.
    const tiers = await marginTiersFor(openDb(env.DB), ["BTC", "SOL", "PURR/USDC"]);
    expect(tiers.get("BTC")).toEqual([
      { lowerBound: "0.0", maxLeverage: 40 },
      { lowerBound: "150000000.0", maxLeverage: 20 },
    ]);
    expect(tiers.get("SOL")?.[0]?.maxLeverage).toBe(20);
    expect(tiers.has("PURR/USDC")).toBe(false);

    expect(await asset("BTC")).toMatchObject({
      asset_id: 0,
      kind: "perp",
      display_name: "BTC",
      quote_token: "USDC",
      sz_decimals: 5,
      max_leverage: 40,
      margin_table_id: 56,
      only_isolated: 0,
      is_delisted: 0,
      category: "layer-1",
      cap_ohlcv_1m: 1,
      cap_funding: 1,
      cap_macd: 1,
      first_seen_at_ms: T0 + 1,
    });
    expect(await asset("HPOS")).toMatchObject({ is_delisted: 1, only_isolated: 1, category: "meme" });
    expect(await asset("kPEPE")).toMatchObject({ asset_id: 15, category: "meme" });
    // Spot: `@107` is HYPE/USDC, asset id 10000 + pair index, every channel except funding.
    expect(await asset("@107")).toMatchObject({
      asset_id: 10107,
      kind: "spot",
      display_name: "HYPE/USDC",
      base_token: "HYPE",
      quote_token: "USDC",
      sz_decimals: 2,
      max_leverage: null,
      category: "exchange-token",
      cap_ohlcv_1m: 1,
      cap_ohlcv_1h: 1,
      cap_funding: 0,
      cap_rsi: 1,
    });
    expect(await asset("@142")).toMatchObject({ display_name: "UBTC/USDC", asset_id: 10142 });
    expect(await count("category = 'uncategorized'")).toBe(0);
  });

  it("keeps first-seen times, and flags an asset the exchange no longer lists as delisted without deleting it", async () => {
    // Derived case: a coin listed earlier that the recorded universe does not contain.
    await env.DB.prepare(
      `INSERT INTO hyperliquid_assets SELECT 'GONE', 9999, kind, 'GONE', 'GONE', quote_token, sz_decimals, max_leverage, margin_table_id,
        only_isolated, 0, 'uncategorized', '[]', taxonomy_version, cap_ohlcv_1m, cap_ohlcv_1h, cap_funding, cap_rsi, cap_bollinger,
        cap_sma, cap_ema, cap_macd, first_seen_at_ms, updated_at_ms FROM hyperliquid_assets WHERE symbol = 'BTC'`,
    ).run();
    const run = await runJob("market-data.refresh-assets", T0 + HOUR_MS);
    expect(JSON.parse(run.summaryJson ?? "{}")).toMatchObject({ newListings: 0, newlyDelisted: 1, delisted: 56 });
    expect(await asset("GONE")).toMatchObject({ is_delisted: 1, updated_at_ms: T0 + HOUR_MS });
    expect(await asset("BTC")).toMatchObject({ first_seen_at_ms: T0 + 1, updated_at_ms: T0 + HOUR_MS });
    expect(await count()).toBe(237);
  });
});

const get = async (path: string, role: "user" | "service" = "user") =>
  SELF.fetch(`https://api.test/api/v1${path}`, { headers: await bearer("trader-1", role) });

describe("market routes", () => {
  it("lists categories with subcategories and counts of listed assets", async () => {
    const res = await get("/market/categories");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      taxonomyVersion: string;
      categories: Array<{ id: string; assetCount: number; subcategories: Array<{ name: string; assetCount: number }> }>;
    };
    expect(body.taxonomyVersion).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
    const total = body.categories.reduce((n, c) => n + c.assetCount, 0);
    expect(total).toBe(await count("is_delisted = 0"));
    const meme = body.categories.find((c) => c.id === "meme");
    expect(meme?.assetCount).toBe(await count("is_delisted = 0 AND category = 'meme'"));
    expect(meme?.subcategories.find((s) => s.name === "Dog")?.assetCount).toBeGreaterThan(3);
    expect(body.categories.find((c) => c.id === "uncategorized")?.assetCount).toBe(0);
  });

  it("filters assets by category, subcategory, kind and delisting, with capability flags", async () => {
    const spot = (await (await get("/market/assets?kind=spot")).json()) as {
      assets: Array<{ symbol: string; displayName: string; channels: Record<string, boolean> }>;
    };
    expect(spot.assets.map((a) => a.displayName).sort()).toEqual(["HYPE/USDC", "UBTC/USDC", "UETH/USDC", "USOL/USDC"]);
    expect(spot.assets.every((a) => a.channels.funding === false && a.channels.ohlcv_1m && a.channels.rsi)).toBe(true);

    const dogs = (await (await get("/market/assets?category=meme&subcategory=Dog")).json()) as {
      assets: Array<{ symbol: string; isDelisted: boolean }>;
    };
    expect(dogs.assets.map((a) => a.symbol)).toContain("DOGE");
    expect(dogs.assets.every((a) => !a.isDelisted)).toBe(true);

    const listedL2 = (await (await get("/market/assets?category=layer-2")).json()) as { assets: Array<{ symbol: string }> };
    const allL2 = (await (await get("/market/assets?category=layer-2&includeDelisted=true")).json()) as {
      assets: Array<{ symbol: string }>;
    };
    expect(listedL2.assets.map((a) => a.symbol)).not.toContain("MATIC");
    expect(allL2.assets.map((a) => a.symbol)).toContain("MATIC");
  });

  it("refuses bad filters and anonymous callers", async () => {
    expect((await get("/market/assets?kind=future")).status).toBe(400);
    expect((await get("/market/assets?category=not-a-category")).status).toBe(400);
    expect((await SELF.fetch("https://api.test/api/v1/market/categories")).status).toBe(401);
  });
});

describe("market-data.ensure-feeds", () => {
  afterAll(async () => {
    for (const name of ["shard-0", "shard-1"]) {
      const stub = env.HYPERLIQUID_FEED.get(env.HYPERLIQUID_FEED.idFromName(name));
      await stub.configure({ shardId: name, coins: [], wsUrl: replay.wsUrl, infoUrl: replay.infoUrl });
    }
  });

  it("shards the active assets across feed objects and reports each shard", async () => {
    const run = await runJob("market-data.ensure-feeds", T0 + 2 * HOUR_MS, undefined, { shardSize: 100 });
    expect(run.status).toBe("ok");
    const active = await count("is_delisted = 0");
    expect(JSON.parse(run.summaryJson ?? "{}")).toEqual({ shards: 2, coinsPerShard: [100, active - 100] });
    const { results } = await env.DB.prepare("SELECT shard_id, coins_json FROM hyperliquid_feed_shards ORDER BY shard_id").all<{
      shard_id: string;
      coins_json: string;
    }>();
    expect(results.map((r) => r.shard_id)).toEqual(["shard-0", "shard-1"]);
    const coins = results.flatMap((r) => JSON.parse(r.coins_json) as string[]);
    expect(coins.slice(0, 2)).toEqual(["BTC", "ETH"]); // ordered by asset id
    expect(coins).not.toContain("MATIC");
    expect(coins).toContain("@107");

    const res = await get("/internal/market/feeds", "service");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { shards: Array<{ shardId: string; coins: number }> };
    expect(body.shards.map((s) => [s.shardId, s.coins])).toEqual([
      ["shard-0", 100],
      ["shard-1", active - 100],
    ]);
    expect((await get("/internal/market/feeds", "user")).status).toBe(403);

    // A larger shard size moves nothing: shards are stable (hyperliquid-shards.test.ts).
    const again = await runJob("market-data.ensure-feeds", T0 + 3 * HOUR_MS, undefined, { shardSize: 500 });
    expect(JSON.parse(again.summaryJson ?? "{}")).toEqual({ shards: 2, coinsPerShard: [100, active - 100] });
    // A shard left without coins (its coins delisted) is stopped and forgotten.
    await env.DB.prepare("UPDATE hyperliquid_assets SET is_delisted = 1 WHERE symbol IN (SELECT value FROM json_each(?))")
      .bind(results[1]?.coins_json ?? "[]")
      .run();
    const shrunk = await runJob("market-data.ensure-feeds", T0 + 4 * HOUR_MS, undefined, { shardSize: 500 });
    expect(JSON.parse(shrunk.summaryJson ?? "{}")).toEqual({ shards: 1, coinsPerShard: [100] });
    const stopped = await env.HYPERLIQUID_FEED.get(env.HYPERLIQUID_FEED.idFromName("shard-1")).status();
    expect(stopped).toMatchObject({ coins: 0, connected: false });
  });
});

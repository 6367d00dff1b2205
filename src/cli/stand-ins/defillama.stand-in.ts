/**
 * DefiLlama stand-in (api.llama.fi and stablecoins.llama.fi on one port) serving the REAL recorded
 * objects in test/fixtures/defillama with the real paths.
 *
 * Recorded: `/protocols` (top-100 list), `/protocol/drift-trade`.
 * Derived from the recorded protocol series (no chain or global series was recorded):
 * `/v2/historicalChainTvl/{chain}` sums, per date, the recorded protocol series whose
 * `currentChainTvls` has exactly that one chain (Drift Trade -> Solana); `/v2/historicalChainTvl`
 * sums all recorded protocol series. So this stand-in's "world" is the recorded protocols.
 * Recorded, partial: `/stablecoins` serves the 8 real `peggedAssets` a scraper kept (2022-08-27),
 * without the keys the scraper added, wrapped as the API wraps them (`{ peggedAssets }`).
 * NOT served (nothing recorded to build them from, and values are never invented): `/overview/*`
 * (DEX volume, fees, revenue, open interest). They answer 404, and `npm start` disables those
 * channels (INGEST_DISABLED_CHANNELS), which ingestion health reports as `disabled`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Handler, json, startStandIn } from "./stand-in-server";

interface RecordedProtocol {
  slug: string;
  body: { name: string; tvl: Array<{ date: number; totalLiquidityUSD: number }>; currentChainTvls: Record<string, number> };
}

export const UNRECORDED_DEFILLAMA_CHANNELS = ["dex_volume", "fees", "revenue", "open_interest"] as const;

/** Keys the scraper added to each recorded pegged asset (test/fixtures/ORIGIN.md): not DefiLlama's. */
export const SCRAPER_KEYS = [
  "marketcapUSD",
  "marketcapEUR",
  "offPeg",
  "timestamp",
  "rank",
  "totalchains",
  "change1d",
  "change1w",
  "change1m",
];

/** The recorded pegged assets as the API answers `/stablecoins?includePrices=true`. */
export function stablecoinsAnswer(recorded: Array<Record<string, unknown>>): { peggedAssets: Array<Record<string, unknown>> } {
  return { peggedAssets: recorded.map((a) => Object.fromEntries(Object.entries(a).filter(([k]) => !SCRAPER_KEYS.includes(k)))) };
}

export function loadDefillamaRecording(dir = join(process.cwd(), "test/fixtures/defillama")) {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown;
  const protocols: RecordedProtocol[] = [
    { slug: "drift-trade", body: read("protocol_drift-trade.reduced.json") as RecordedProtocol["body"] },
  ];
  const stablecoins = stablecoinsAnswer(
    read("stablecoins_peggedAssets__chainparrot_2022-08-27__tail8.json") as Array<Record<string, unknown>>,
  );
  return { list: read("lite_protocols2.reduced.top100.json") as unknown[], protocols, stablecoins };
}

/** Sums protocol series by date: `[{date, tvl}]` sorted by date. */
export function summedSeries(protocols: RecordedProtocol[]): Array<{ date: number; tvl: number }> {
  const byDate = new Map<number, number>();
  for (const p of protocols)
    for (const point of p.body.tvl) byDate.set(point.date, (byDate.get(point.date) ?? 0) + point.totalLiquidityUSD);
  return [...byDate.entries()].sort((a, b) => a[0] - b[0]).map(([date, tvl]) => ({ date, tvl }));
}

export function defillamaHandler(recording = loadDefillamaRecording()): Handler {
  return (url) => {
    const p = url.pathname;
    if (p === "/protocols") return json(recording.list);
    if (p === "/stablecoins") return json(recording.stablecoins);
    if (p.startsWith("/protocol/")) {
      const found = recording.protocols.find((x) => x.slug === decodeURIComponent(p.slice(10)));
      return found ? json(found.body) : undefined;
    }
    if (p === "/v2/historicalChainTvl") return json(summedSeries(recording.protocols));
    if (p.startsWith("/v2/historicalChainTvl/")) {
      const chain = decodeURIComponent(p.slice(23));
      const on = recording.protocols.filter((x) => {
        const chains = Object.keys(x.body.currentChainTvls);
        return chains.length === 1 && chains[0] === chain;
      });
      return on.length > 0 ? json(summedSeries(on)) : undefined;
    }
    return undefined;
  };
}

export async function startDefillamaStandIn() {
  const server = await startStandIn("defillama", defillamaHandler());
  return {
    ...server,
    vars: {
      DEFILLAMA_API_URL: server.url,
      DEFILLAMA_STABLECOINS_URL: server.url,
      DEFILLAMA_CHAINS: "Solana",
      DEFILLAMA_PROTOCOLS: "drift-trade",
      INGEST_DISABLED_CHANNELS: UNRECORDED_DEFILLAMA_CHANNELS.map((c) => `defillama:${c}`).join(","),
    },
  };
}

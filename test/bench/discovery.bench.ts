/**
 * Staged Polymarket discovery at Polymarket's real size, through the real Worker (`wrangler dev` on a
 * throwaway D1): the Gamma stand-in serves the RECORDED open events and markets copied many times with
 * new ids (every field but the id/slug as recorded: a synthetic listing of realistic objects), paged
 * like Gamma (events 500, markets 100 per page). Reports the job's duration as recorded in its
 * heartbeat, the rows it promoted and the pages it fetched.
 */
import { sign } from "hono/jwt";
import { startWranglerDev } from "../../src/cli/lib/local-backend";
import { loadPolymarketRecording, polymarketHandler } from "../../src/cli/stand-ins/polymarket.stand-in";
import { startStandIn } from "../../src/cli/stand-ins/stand-in-server";
import { BENCH_RATE_LIMITS } from "./bench-limits";
import type { Benchmark, BenchRow } from "./registry";

const SECRET = "bench-secret-0123456789abcdef-0123456789";
const TARGET_OPEN_MARKETS = 20_000;

type Obj = Record<string, unknown> & { id: string };

/** The recorded open objects, copied with ids and slugs suffixed `-c<copy>` (embedded links kept consistent). */
function scaledRecording(targetMarkets: number) {
  const recording = loadPolymarketRecording();
  const open = (o: Obj) => !o.closed;
  const events = recording.events.filter(open);
  const markets = recording.markets.filter(open);
  const copies = Math.ceil(targetMarkets / markets.length);
  const rename = (o: Obj, c: number): Obj => ({ ...o, id: `${o.id}-c${c}`, slug: `${String(o.slug)}-c${c}` });
  const out = { ...recording, events: [] as Obj[], markets: [] as Obj[] };
  for (let c = 0; c < copies; c++) {
    for (const e of events)
      out.events.push({ ...rename(e, c), markets: ((e.markets as Obj[] | undefined) ?? []).map((m) => rename(m, c)) });
    for (const m of markets) {
      const parents = (m.events as Obj[] | undefined)?.map((e) => rename(e, c));
      out.markets.push({ ...rename(m, c), ...(parents ? { events: parents } : {}) });
    }
  }
  return out;
}

export const discoveryBench: Benchmark = {
  name: "discovery",
  description: `staged Polymarket discovery of ~${TARGET_OPEN_MARKETS.toLocaleString("en")} open markets through wrangler dev`,
  async run(): Promise<BenchRow[]> {
    const recording = scaledRecording(TARGET_OPEN_MARKETS);
    const gamma = await startStandIn("polymarket-scaled", polymarketHandler(recording));
    const backend = await startWranglerDev(
      { JWT_SECRET: SECRET, POLYMARKET_GAMMA_URL: gamma.url, POLYMARKET_CLOB_URL: gamma.url, ...BENCH_RATE_LIMITS },
      { name: "discovery-bench", timeoutMs: 180_000 },
    ).catch(async (error) => {
      await gamma.stop();
      throw error;
    });
    try {
      const token = await sign({ sub: "bench", role: "admin", exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
      const res = await fetch(`${backend.baseUrl}/api/v1/admin/jobs/market-data.polymarket-discover/run`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        // The whole walk in one invocation (the job's default resumes across ticks, 100 pages each).
        body: JSON.stringify({ params: { pagesPerTick: 1000 } }),
      });
      const body = (await res.json()) as {
        run?: { status: string; durationMs?: number | null; itemsProcessed?: number; summary?: unknown };
      };
      if (body.run?.status !== "ok" || (body.run.summary as { status?: string } | undefined)?.status !== "ok") {
        throw new Error(`market-data.polymarket-discover: ${JSON.stringify(body)}`);
      }
      const pages = Math.ceil(recording.events.length / 500) + Math.ceil(recording.markets.length / 100);
      return [
        { metric: "open events listed", value: String(recording.events.length), unit: "events" },
        { metric: "open markets listed", value: String(recording.markets.length), unit: "markets" },
        { metric: "Gamma pages fetched (events 500, markets 100 per page)", value: String(pages), unit: "pages" },
        { metric: "rows promoted (events + markets)", value: String(body.run.itemsProcessed ?? -1), unit: "rows" },
        { metric: "job market-data.polymarket-discover (heartbeat duration)", value: String(body.run.durationMs ?? -1), unit: "ms" },
      ];
    } finally {
      await backend.stop();
      await gamma.stop();
    }
  },
};

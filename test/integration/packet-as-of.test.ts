/**
 * Packets keep what existed at `asOf` (issue 23 item 10): a Polymarket market discovered at t1 stays in
 * the packet at asOf = t1 + x after a re-discovery at t2 > asOf, byte-identical (same packet hash);
 * DefiLlama rows re-polled unchanged after asOf stay too. Real code paths: discovery and the DefiLlama
 * poll against the recorded stand-ins, the pipeline saved through the API, `resolvePacket` in workerd.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { openDb } from "../../src/db/client";
import { loadTokenizer, resolvePacket } from "../../src/domains/context";
import { pollTvl } from "../../src/domains/market-data/defillama/defillama.service";
import { discover } from "../../src/domains/market-data/polymarket/polymarket.discovery";
import drift from "../fixtures/defillama/protocol_drift-trade.reduced.json";
import { bearer } from "../support/auth";
import { TEST_POLICY, testPollContext } from "../support/ingestion";
import { seedRecordedRegistry } from "../support/registry-seed";

const MIN = 60_000;
const db = openDb(env.DB);
const PM_T1 = Date.UTC(2026, 2, 11, 16, 0, 0); // the Gamma recording's day
const DL_T1 = (drift.tvl.at(-1)?.date as number) * 1000 + 3_600_000; // an hour after the recorded last point
const pmBase = inject("polymarketUrl");
const dlBase = inject("defillamaUrl");

async function cloneWith(block: Record<string, unknown>): Promise<string> {
  const headers = { ...(await bearer("asof-owner")), "content-type": "application/json" };
  const post = async (path: string, method: string, body: unknown) =>
    (await SELF.fetch(`https://api.test/api/v1${path}`, { method, headers, body: JSON.stringify(body) })).json<{ id: string }>();
  const { id } = await post("/clones", "POST", { name: `AsOf ${String(block.id)}`, modelId: "gpt-5" });
  const graph = {
    nodes: [
      { id: "stream", type: "data_stream", config: { blocks: [block] } },
      { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC"] } },
      { id: "prompt", type: "trading_prompt", config: { customBehaviorPrompt: "Trade the news." } },
    ],
    edges: [
      { id: "e1", source: "stream", target: "majors" },
      { id: "e2", source: "majors", target: "prompt" },
    ],
  };
  await post(`/clones/${id}/pipeline`, "PUT", { version: 0, graph, layout: {} });
  return id;
}

async function packet(cloneId: string, asOfMs: number) {
  const r = await resolvePacket({ db }, { cloneId, strategyId: "prompt", symbol: "BTC", asOfMs });
  if (!r.ok) throw new Error(r.error.message);
  const series = r.value.packet.series.find((s) => s.readId.split("/")[1] === "macro");
  if (!series) throw new Error("no macro series");
  return { hash: r.value.packetHash, canonical: r.value.canonical, rows: series.rows };
}

beforeAll(async () => {
  await loadTokenizer();
  await seedRecordedRegistry();
});

describe("packets at a past asOf", () => {
  it("keep a Polymarket market re-discovered after asOf, byte-identical", async () => {
    const urls = { gammaUrl: pmBase, clobUrl: pmBase };
    const options = { eventsPageSize: 50, marketsPageSize: 50, maxPages: 20, flushRows: 100 };
    const cloneId = await cloneWith({
      id: "macro",
      source: "polymarket",
      channel: "events",
      target: { kind: "event", slug: "democratic-presidential-nominee-2028" },
      promptInclusion: "raw",
      lookbackMinutes: 1440,
    });
    expect(await discover(testPollContext(PM_T1), urls, TEST_POLICY, options)).toMatchObject({ status: "ok" });
    const asOf = PM_T1 + 10 * MIN;
    const before = await packet(cloneId, asOf);
    expect(before.rows.length).toBeGreaterThan(0);
    expect(before.rows.every((row) => row[3] !== null)).toBe(true); // yes price known at asOf
    expect((await packet(cloneId, PM_T1 - 1)).rows).toEqual([]); // nothing before the first discovery

    expect(await discover(testPollContext(PM_T1 + 60 * MIN), urls, TEST_POLICY, options)).toMatchObject({ status: "ok" });
    const { results } = await env.DB.prepare("SELECT DISTINCT ingested_at_ms, first_seen_at_ms FROM polymarket_markets").all();
    expect(results).toEqual([{ ingested_at_ms: PM_T1 + 60 * MIN, first_seen_at_ms: PM_T1 }]);
    const after = await packet(cloneId, asOf);
    expect(after.rows).toEqual(before.rows);
    expect(after.canonical).toBe(before.canonical);
    expect(after.hash).toBe(before.hash);
  });

  it("keep DefiLlama days re-polled unchanged after asOf", async () => {
    const settings = { DEFILLAMA_CHAINS: "Solana", DEFILLAMA_PROTOCOLS: "drift-trade" };
    const cloneId = await cloneWith({
      id: "macro",
      source: "defillama",
      channel: "tvl",
      scope: { kind: "protocol", protocol: "drift-trade" },
      promptInclusion: "raw",
      lookbackMinutes: 7 * 1440,
      granularity: "1d",
    });
    expect(await pollTvl(testPollContext(DL_T1, settings), { apiUrl: dlBase, stablecoinsUrl: dlBase }, TEST_POLICY)).toMatchObject({
      status: "ok",
    });
    const asOf = DL_T1 + 10 * MIN;
    const before = await packet(cloneId, asOf);
    expect(before.rows.length).toBeGreaterThan(0);

    await pollTvl(testPollContext(DL_T1 + 60 * MIN, settings), { apiUrl: dlBase, stablecoinsUrl: dlBase }, TEST_POLICY);
    const after = await packet(cloneId, asOf);
    expect(after.rows).toEqual(before.rows);
    expect(after.hash).toBe(before.hash);
  });
});

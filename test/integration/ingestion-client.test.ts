/**
 * The ingestion HTTP client and the raw archive against the DefiLlama stand-in (recorded responses):
 * bounded retries with exponential backoff (sleep injected, so no real waiting), a malformed body is not
 * retried, `Retry-After` wins over the exponential wait; raw payloads reach R2 only with the archive flag.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { pollTvl } from "../../src/domains/market-data/defillama/defillama.service";
import { backoffFor, fetchJson, type UpstreamError } from "../../src/domains/market-data/ingestion/ingestion-http.client";
import drift from "../fixtures/defillama/protocol_drift-trade.reduced.json";
import { faultUrl, TEST_POLICY, testPollContext } from "../support/ingestion";

const base = inject("defillamaUrl");
const policy = { ...TEST_POLICY, retries: 2, backoffMs: 100, maxBackoffMs: 1_000 };
const Tvl = z.object({ tvl: z.array(z.object({ date: z.number(), totalLiquidityUSD: z.number() })) });

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("ingestion http client", () => {
  it("parses the recorded answer on the first try", async () => {
    const { waits, sleep } = recordingSleep();
    const { data } = await fetchJson(`${base}/protocol/drift-trade`, Tvl, policy, sleep);
    expect(data.tvl).toHaveLength(drift.tvl.length);
    expect(waits).toEqual([]);
  });

  it("retries a 500 a bounded number of times with doubling backoff, then fails", async () => {
    const { waits, sleep } = recordingSleep();
    const url = `${faultUrl(base, "500", "protocol")}/protocol/drift-trade`;
    const error = (await fetchJson(url, Tvl, policy, sleep).catch((e: unknown) => e)) as UpstreamError;
    expect(error).toMatchObject({ kind: "http", status: 500 });
    expect(waits).toEqual([100, 200]);
  });

  it("does not retry a malformed body or a 404", async () => {
    for (const url of [`${faultUrl(base, "malformed", "protocol")}/protocol/drift-trade`, `${base}/protocol/not-recorded`]) {
      const { waits, sleep } = recordingSleep();
      await expect(fetchJson(url, Tvl, policy, sleep)).rejects.toMatchObject({ kind: expect.stringMatching(/malformed|http/) });
      expect(waits).toEqual([]);
    }
  });

  it("waits at least Retry-After, capped by the policy", () => {
    const limited = Object.assign(new Error("x"), { kind: "http", status: 429, retryAfterMs: 700 }) as unknown as UpstreamError;
    expect(backoffFor(1, policy, limited)).toBe(700);
    expect(backoffFor(1, policy, { ...limited, retryAfterMs: 60_000 } as UpstreamError)).toBe(1_000);
    expect(backoffFor(3, policy)).toBe(400);
  });
});

describe("raw archive", () => {
  const NOW = (drift.tvl.at(-1)?.date as number) * 1000 + 3_600_000;
  const settings = { DEFILLAMA_CHAINS: "Solana", DEFILLAMA_PROTOCOLS: "drift-trade" };
  const urls = { apiUrl: base, stablecoinsUrl: base };
  const listRaw = async () => (await env.ARTIFACTS.list({ prefix: "market-data/raw/" })).objects.map((o) => o.key);

  beforeEach(async () => {
    for (const key of await listRaw()) await env.ARTIFACTS.delete(key);
  });

  it("stores nothing in R2 when the flag is off", async () => {
    expect((await pollTvl(testPollContext(NOW, settings), urls, TEST_POLICY)).status).toBe("ok");
    expect(await listRaw()).toEqual([]);
  });

  it("stores each raw body under market-data/raw/<source>/<day>/<run>/ when the flag is on", async () => {
    const outcome = await pollTvl(testPollContext(NOW, { ...settings, INGEST_ARCHIVE_RAW: "true" }), urls, TEST_POLICY);
    expect(outcome.status).toBe("ok");
    const keys = await listRaw();
    const day = new Date(NOW).toISOString().slice(0, 10);
    expect(keys.length).toBe(3);
    for (const key of keys) expect(key).toMatch(new RegExp(`^market-data/raw/defillama/${day}/[^/]+/[^/]+\\.json$`));
    const protocolKey = keys.find((k) => k.includes("drift-trade")) as string;
    const body = (await (await env.ARTIFACTS.get(protocolKey))?.json()) as typeof drift;
    expect(body.tvl.at(-1)).toEqual(drift.tvl.at(-1));
  });

  it("archives nothing for a failed poll", async () => {
    const faulty = faultUrl(base, "500", "v2");
    await pollTvl(
      testPollContext(NOW, { ...settings, INGEST_ARCHIVE_RAW: "true" }),
      { apiUrl: faulty, stablecoinsUrl: faulty },
      TEST_POLICY,
    );
    expect(await listRaw()).toEqual([]);
  });
});

/** Helpers for ingestion tests: a poll context on the test D1 with a fixed clock and fast retries. */
import { env } from "cloudflare:test";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { type IngestionSettings, IngestionSettingsSchema } from "../../src/domains/market-data/ingestion/ingestion.model";
import type { PollContext } from "../../src/domains/market-data/ingestion/ingestion.service";
import type { HttpPolicy } from "../../src/domains/market-data/ingestion/ingestion-http.client";

/** Client policy for tests: short timeout (the stand-in hangs far longer), one retry, tiny backoff. */
export const TEST_POLICY: HttpPolicy = { timeoutMs: 400, retries: 1, backoffMs: 5, maxBackoffMs: 20, userAgent: "clash-arena-tests" };

/** One id sequence per test file, so run ids never collide across polls. */
const ids = sequentialIds();

export function testPollContext(nowMs: number, overrides: Partial<Record<keyof IngestionSettings, string>> = {}): PollContext {
  return {
    db: openDb(env.DB),
    d1: env.DB,
    deps: { clock: fixedClock(nowMs), ids },
    settings: IngestionSettingsSchema.parse(overrides),
    archive: env.ARTIFACTS,
  };
}

/** A stand-in base URL whose requests under `/<pathPrefix>` fail with `kind` (see stand-in-server.ts). */
export function faultUrl(base: string, kind: "500" | "timeout" | "malformed" | "repeat-cursor", pathPrefix: string): string {
  return `${base}/__fault/${kind}/${encodeURIComponent(pathPrefix)}`;
}

export async function tableCount(table: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

export async function runsOf(source: string, channel: string) {
  const { results } = await env.DB.prepare("SELECT * FROM ingestion_runs WHERE source = ? AND channel = ? ORDER BY started_at_ms, id")
    .bind(source, channel)
    .all<{
      status: string;
      rows_written: number;
      error: string | null;
      newest_data_ms: number | null;
    }>();
  return results;
}

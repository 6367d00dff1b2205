/**
 * The poll runner every ingestion job goes through. A poll first fetches and validates everything
 * (no writes readers can see), then commits its rows and its run records in ONE D1 batch, so a failed
 * poll (500, timeout, malformed body, on any page) leaves stored data untouched and records one
 * `error` run per channel. Raw payloads go to R2 only when INGEST_ARCHIVE_RAW is on, after the data
 * committed. Polymarket discovery stages its pages in staging tables during the fetch phase and hands
 * over a small promotion batch (polymarket.discovery.ts).
 */

import type { AppDeps } from "../../../core/deps";
import type { Db } from "../../../db/client";
import type { Channel, Source } from "../channels.model";
import type { IngestionSettings, PollOutcome, PollPlan } from "./ingestion.model";
import { isDisabled } from "./ingestion.model";

export interface PollContext {
  /** Drizzle for reads; raw D1 for the poll's one batch (multi-row JSON upserts are raw statements). */
  db: Db;
  d1: D1Database;
  deps: AppDeps;
  settings: IngestionSettings;
  archive?: R2Bucket;
}

/** Runs one poll covering `channels` of `source`; never throws for upstream failures. */
export async function runPoll(
  ctx: PollContext,
  source: Source,
  channels: Channel[],
  fetchPlan: () => Promise<PollPlan>,
): Promise<PollOutcome> {
  const enabled = channels.filter((channel) => !isDisabled(ctx.settings, source, channel));
  if (enabled.length === 0) return { status: "disabled" };
  const startedAtMs = ctx.deps.clock.nowMs();
  let plan: PollPlan;
  try {
    plan = await fetchPlan();
  } catch (error) {
    const message = String((error as Error)?.message ?? error).slice(0, 500);
    const runs = enabled.map((channel) =>
      runRow(ctx, source, channel, startedAtMs, { status: "error", rowsWritten: 0, newestDataMs: null, error: message }),
    );
    await ctx.d1.batch(runs.map((r) => r.insert));
    return { status: "error", runIds: runs.map((r) => r.id), error: message };
  }
  const runs = plan.channels
    .filter((c) => enabled.includes(c.channel))
    .map((c) =>
      runRow(ctx, source, c.channel, startedAtMs, { status: "ok", rowsWritten: c.rowsWritten, newestDataMs: c.newestDataMs, error: null }),
    );
  await ctx.d1.batch([...plan.statements, ...runs.map((r) => r.insert)]);
  if (ctx.settings.INGEST_ARCHIVE_RAW && ctx.archive) await archiveRaw(ctx.archive, source, startedAtMs, runs[0]?.id ?? "run", plan.raw);
  return { status: "ok", runIds: runs.map((r) => r.id), rowsWritten: plan.channels.reduce((n, c) => n + c.rowsWritten, 0) };
}

function runRow(
  ctx: PollContext,
  source: Source,
  channel: Channel,
  startedAtMs: number,
  outcome: { status: "ok" | "error"; rowsWritten: number; newestDataMs: number | null; error: string | null },
) {
  const id = ctx.deps.ids.next("ingest");
  const insert = ctx.d1
    .prepare(
      "INSERT INTO ingestion_runs (id, source, channel, started_at_ms, finished_at_ms, status, rows_written, newest_data_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(
      id,
      source,
      channel,
      startedAtMs,
      ctx.deps.clock.nowMs(),
      outcome.status,
      outcome.rowsWritten,
      outcome.newestDataMs,
      outcome.error,
    );
  return { id, insert };
}

/** `market-data/raw/<source>/<yyyy-mm-dd>/<runId>/<name>.json`; listed in doc/storage-schema.md. */
export function rawKey(source: Source, atMs: number, runId: string, name: string): string {
  return `market-data/raw/${source}/${new Date(atMs).toISOString().slice(0, 10)}/${runId}/${name}.json`;
}

async function archiveRaw(bucket: R2Bucket, source: Source, atMs: number, runId: string, raw: PollPlan["raw"]): Promise<void> {
  for (const item of raw) {
    await bucket.put(rawKey(source, atMs, runId, item.name), item.body, {
      httpMetadata: { contentType: "application/json" },
    });
  }
}

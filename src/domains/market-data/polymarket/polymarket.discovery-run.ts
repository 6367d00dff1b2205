/**
 * The stored state of a resumable discovery run (`polymarket_discovery_runs`): read at the start of
 * every cron tick, written back at its end, closed in the promotion batch or on failure. Read with
 * drizzle over `ctx.d1` (tests wrap it to watch every batch); `saveRun` stays a raw D1 statement
 * because it joins raw D1 batches with the JSON upserts of src/db/json-upsert.ts (src/db/README.md).
 * Callers: polymarket.discovery.ts.
 */
import { desc, eq } from "drizzle-orm";
import { openDb } from "../../../db/client";
import { polymarketDiscoveryRuns } from "./polymarket.tables";

export type DiscoveryList = "events" | "markets";

export interface RunState {
  id: string;
  startedAtMs: number;
  updatedAtMs: number;
  list: DiscoveryList;
  cursor: string | null;
  eventsPages: number;
  marketsPages: number;
  ticks: number;
  /** Cursors seen in the current list (a repeat means the server loops). */
  seen: string[];
  skipped: number;
  /** The last skipped items, newest last (at most SKIPPED_KEPT). */
  skippedItems: string[];
}

const SKIPPED_KEPT = 20;

/** The one running run, if any. */
export async function loadRunning(d1: D1Database): Promise<RunState | null> {
  const r = polymarketDiscoveryRuns;
  const row = await openDb(d1).select().from(r).where(eq(r.status, "running")).orderBy(desc(r.startedAtMs)).limit(1).get();
  if (!row) return null;
  return {
    id: row.id,
    startedAtMs: row.startedAtMs,
    updatedAtMs: row.updatedAtMs,
    list: row.list as DiscoveryList,
    cursor: row.cursor,
    eventsPages: row.eventsPages,
    marketsPages: row.marketsPages,
    ticks: row.ticks,
    seen: (JSON.parse(row.seenCursorsJson) as { cursors: string[] }).cursors,
    skipped: row.skipped,
    skippedItems: (JSON.parse(row.skippedJson) as { items: string[] }).items,
  };
}

export function newRun(id: string, nowMs: number): RunState {
  return {
    id,
    startedAtMs: nowMs,
    updatedAtMs: nowMs,
    list: "events",
    cursor: null,
    eventsPages: 0,
    marketsPages: 0,
    ticks: 0,
    seen: [],
    skipped: 0,
    skippedItems: [],
  };
}

export function noteSkipped(state: RunState, what: string): void {
  state.skipped += 1;
  state.skippedItems.push(what);
  if (state.skippedItems.length > SKIPPED_KEPT) state.skippedItems.splice(0, state.skippedItems.length - SKIPPED_KEPT);
}

/** Upserts the run's state with `status` (running between ticks; ok/error/abandoned when it ends). */
export function saveRun(d1: D1Database, s: RunState, status: string, error: string | null = null): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO polymarket_discovery_runs (id, status, started_at_ms, updated_at_ms, list, cursor, events_pages, markets_pages, ticks, seen_cursors_json, skipped, skipped_json, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at_ms = excluded.updated_at_ms, list = excluded.list,
         cursor = excluded.cursor, events_pages = excluded.events_pages, markets_pages = excluded.markets_pages, ticks = excluded.ticks,
         seen_cursors_json = excluded.seen_cursors_json, skipped = excluded.skipped, skipped_json = excluded.skipped_json, error = excluded.error`,
    )
    .bind(
      s.id,
      status,
      s.startedAtMs,
      s.updatedAtMs,
      s.list,
      s.cursor,
      s.eventsPages,
      s.marketsPages,
      s.ticks,
      JSON.stringify({ cursors: s.seen }),
      s.skipped,
      JSON.stringify({ items: s.skippedItems }),
      error,
    );
}

/**
 * Polymarket discovery: open events (markets embedded) and open markets through Gamma keyset
 * pagination, committed as a STAGED run so memory and D1 batch sizes stay bounded at any listing size:
 * 1. page by page, each page is validated, mapped to compact rows and staged in
 *    `polymarket_{events,markets}_staging` under the run's id; every staging D1 batch carries at most
 *    `flushRows` rows, and only the current page plus < `flushRows` buffered rows are held in memory;
 * 2. when every page succeeded, `runPoll`'s one final batch promotes the run (two INSERT..SELECT
 *    upserts into `polymarket_events` / `polymarket_markets`), marks stored rows that are open but were
 *    not listed as closed (Gamma lists only open rows, so a row that resolved, closed or was archived
 *    simply stops appearing), deletes its staging rows and records the `ok` runs: a handful of
 *    set-based statements whatever the size. Only a complete run gets here: a list longer than
 *    `maxPages` fails the run (error run record), so a truncated listing never closes anything;
 * 3. on any failure (500, timeout, malformed body, on any page) the run's staging rows and archived
 *    pages are deleted and `runPoll` records the error runs. Readers only read the promoted tables,
 *    so they never see a half-finished run; rows of a run that died mid-way are swept after an hour.
 * Callers: polymarket.jobs.ts, tests.
 */

import { type UpsertSpec, upsertFrom, upsertRows, upsertSpec } from "../../../db/json-upsert";
import type { Source } from "../channels";
import { fetchJson, type HttpPolicy } from "../ingestion/http-client";
import type { PollOutcome, PollPlan } from "../ingestion/ingestion.model";
import { type PollContext, rawKey, runPoll } from "../ingestion/ingestion.service";
import { EventsPageSchema, MarketsPageSchema, toEventRow, toMarketRow } from "./polymarket.model";
import { polymarketEvents, polymarketEventsStaging, polymarketMarkets, polymarketMarketsStaging } from "./polymarket.tables";

export interface PolymarketUrls {
  gammaUrl: string;
  clobUrl: string;
}

export interface DiscoverOptions {
  /** Gamma's caps: events <= 500, markets <= 100 per page. */
  eventsPageSize: number;
  marketsPageSize: number;
  /** Bound on pages per list so a cursor loop cannot run away. */
  maxPages: number;
  /** Most rows in one staging D1 batch (and buffered in memory besides the current page). */
  flushRows: number;
}

const SOURCE: Source = "polymarket";
/** A cron invocation lasts minutes at most: older staging rows belong to a run that died mid-way. */
export const STAGING_TTL_MS = 60 * 60_000;

// Column maps come from the drizzle tables (src/db/json-upsert.ts): the staging twins share them.
const EVENTS_STAGING = upsertSpec(polymarketEventsStaging, { conflict: [polymarketEventsStaging.runId, polymarketEventsStaging.id] });
/** Markets embedded in events; a market embedded twice keeps the last listing. */
const EMBEDDED_STAGING = upsertSpec(polymarketMarketsStaging, { conflict: [polymarketMarketsStaging.runId, polymarketMarketsStaging.id] });
/** Markets listed alone keep the event link and the tags learnt from their embedding event. */
const LISTED_STAGING: UpsertSpec = {
  ...EMBEDDED_STAGING,
  update: {
    event_id: "COALESCE(polymarket_markets_staging.event_id, excluded.event_id)",
    tags_json:
      "CASE WHEN polymarket_markets_staging.tags_json <> '[]' THEN polymarket_markets_staging.tags_json ELSE excluded.tags_json END",
  },
};
const EVENTS = upsertSpec(polymarketEvents, { conflict: [polymarketEvents.id] });
/** A market listed without an event must not erase the event link stored earlier. */
const MARKETS = upsertSpec(polymarketMarkets, {
  conflict: [polymarketMarkets.id],
  update: { event_id: "COALESCE(excluded.event_id, polymarket_markets.event_id)" },
});

/** Polls discovery (channels `events` and `markets`) as one staged run and records it. */
export function discover(ctx: PollContext, urls: PolymarketUrls, policy: HttpPolicy, options: DiscoverOptions): Promise<PollOutcome> {
  return runPoll(ctx, SOURCE, ["events", "markets"], async () => {
    const run = { id: ctx.deps.ids.next("discovery"), nowMs: ctx.deps.clock.nowMs(), archived: [] as string[] };
    try {
      await stagePages(ctx, run, urls, policy, options);
      return await promotionPlan(ctx.d1, run);
    } catch (error) {
      // Best effort: if cleanup fails too, the TTL sweep of a later run removes the rows; readers never see them.
      await ctx.d1.batch(clearStaging(ctx.d1, run)).catch(() => undefined);
      for (let i = 0; i < run.archived.length; i += 1000) {
        await ctx.archive?.delete(run.archived.slice(i, i + 1000)).catch(() => undefined); // R2: 1,000 keys per delete
      }
      throw error;
    }
  });
}

interface Run {
  id: string;
  nowMs: number;
  /** R2 keys of the pages archived so far (INGEST_ARCHIVE_RAW), deleted if the run fails. */
  archived: string[];
}

/** Walks both keyset lists, staging each page before fetching the next. */
async function stagePages(ctx: PollContext, run: Run, urls: PolymarketUrls, policy: HttpPolicy, options: DiscoverOptions) {
  const stamp = { runId: run.id, stagedAtMs: run.nowMs };
  const archive = async (name: string, body: string) => {
    if (!ctx.settings.INGEST_ARCHIVE_RAW || !ctx.archive) return;
    const key = rawKey(SOURCE, run.nowMs, run.id, name);
    await ctx.archive.put(key, body, { httpMetadata: { contentType: "application/json" } });
    run.archived.push(key);
  };

  const events = stager(ctx.d1, EVENTS_STAGING, options.flushRows);
  const embedded = stager(ctx.d1, EMBEDDED_STAGING, options.flushRows);
  await walkKeyset(keysetUrl(urls, "events", options.eventsPageSize), options.maxPages, "events", async (url, page) => {
    const { data, raw } = await fetchJson(url, EventsPageSchema, policy);
    await archive(`events-${page}`, raw);
    for (const e of data.events) {
      const row = toEventRow(e, run.nowMs);
      const tags = JSON.parse(row.tagsJson) as string[];
      await events.add([{ ...row, ...stamp }]);
      await embedded.add((e.markets ?? []).map((m) => ({ ...toMarketRow(m, { eventId: e.id, tags }, run.nowMs), ...stamp })));
    }
    return data.next_cursor;
  });
  await events.flush();
  await embedded.flush(); // before the market lists: listed markets merge with the embedded rows

  const listed = stager(ctx.d1, LISTED_STAGING, options.flushRows);
  await walkKeyset(keysetUrl(urls, "markets", options.marketsPageSize), options.maxPages, "markets", async (url, page) => {
    const { data, raw } = await fetchJson(url, MarketsPageSchema, policy);
    await archive(`markets-${page}`, raw);
    await listed.add(data.markets.map((m) => ({ ...toMarketRow(m, { eventId: null, tags: [] }, run.nowMs), ...stamp })));
    return data.next_cursor;
  });
  await listed.flush();
}

function keysetUrl(urls: PolymarketUrls, list: "events" | "markets", pageSize: number): URL {
  const url = new URL(`${urls.gammaUrl}/${list}/keyset`);
  url.searchParams.set("closed", "false");
  url.searchParams.set("limit", String(pageSize));
  return url;
}

/**
 * Walks a keyset list until `next_cursor` is absent (or `maxPages`). Gamma ignores `cursor`: use
 * `after_cursor`. A cursor seen before in this walk means the server is looping: the run fails with
 * that error recorded (instead of re-reading the same pages until `maxPages`).
 */
async function walkKeyset(
  first: URL,
  maxPages: number,
  name: string,
  onPage: (url: string, page: number) => Promise<string | null | undefined>,
): Promise<void> {
  let cursor: string | null | undefined;
  const seen = new Set<string>();
  for (let page = 0; page < maxPages; page++) {
    const url = new URL(first);
    if (cursor) url.searchParams.set("after_cursor", cursor);
    cursor = await onPage(url.toString(), page);
    if (!cursor) return;
    if (seen.has(cursor)) throw new Error(`${name}: repeated cursor after page ${page} (run incomplete: nothing promoted or closed)`);
    seen.add(cursor);
  }
  throw new Error(`${name}: more than ${maxPages} pages; raise maxPages (run incomplete: nothing promoted or closed)`);
}

/** Buffers rows for one staging table; every D1 batch it sends carries at most `flushRows` rows. */
function stager(d1: D1Database, spec: UpsertSpec, flushRows: number) {
  const buffer: Array<Record<string, unknown>> = [];
  const send = async (rows: Array<Record<string, unknown>>) => {
    if (rows.length > 0) await d1.batch(upsertRows(d1, spec, rows));
  };
  return {
    async add(rows: Array<Record<string, unknown>>) {
      buffer.push(...rows);
      while (buffer.length >= flushRows) await send(buffer.splice(0, flushRows));
    },
    flush: () => send(buffer.splice(0)),
  };
}

/** The final batch's statements (promote, then clear staging) and the per-channel counts of the run. */
async function promotionPlan(d1: D1Database, run: Run): Promise<PollPlan> {
  const summary = (table: string) =>
    d1.prepare(`SELECT count(*) AS n, max(source_updated_at_ms) AS newest FROM ${table} WHERE run_id = ?`).bind(run.id);
  const [events, markets] = (
    await d1.batch<{ n: number; newest: number | null }>([summary("polymarket_events_staging"), summary("polymarket_markets_staging")])
  ).map((r) => r.results[0] ?? { n: 0, newest: null });
  return {
    statements: [
      upsertFrom(d1, EVENTS, { table: "polymarket_events_staging", keyColumn: "run_id", key: run.id }),
      upsertFrom(d1, MARKETS, { table: "polymarket_markets_staging", keyColumn: "run_id", key: run.id }),
      ...closeUnlisted(d1, run),
      ...clearStaging(d1, run),
    ],
    channels: [
      { channel: "events", rowsWritten: events?.n ?? 0, newestDataMs: events?.newest ?? null },
      { channel: "markets", rowsWritten: markets?.n ?? 0, newestDataMs: markets?.newest ?? null },
    ],
    raw: [], // pages were archived as they were staged
  };
}

/**
 * Open rows this complete run did not list are no longer open on Gamma: set `closed = 1`, keep the
 * rest (readers, context and health coverage all skip closed rows). One statement per table, driven
 * by the staging primary key (run_id, id).
 */
function closeUnlisted(d1: D1Database, run: Run): D1PreparedStatement[] {
  return ["polymarket_events", "polymarket_markets"].map((table) =>
    d1
      .prepare(`UPDATE ${table} SET closed = 1 WHERE closed = 0 AND id NOT IN (SELECT id FROM ${table}_staging WHERE run_id = ?)`)
      .bind(run.id),
  );
}

/** Deletes the run's staging rows and those of runs that died mid-way. */
function clearStaging(d1: D1Database, run: Run): D1PreparedStatement[] {
  return ["polymarket_events_staging", "polymarket_markets_staging"].map((table) =>
    d1.prepare(`DELETE FROM ${table} WHERE run_id = ? OR staged_at_ms < ?`).bind(run.id, run.nowMs - STAGING_TTL_MS),
  );
}

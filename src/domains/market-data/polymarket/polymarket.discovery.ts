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

import { eq, sql } from "drizzle-orm";
import { openDb } from "../../../db/client";
import { type UpsertSpec, upsertFrom, upsertRows, upsertSpec } from "../../../db/json-upsert";
import type { Channel, Source } from "../channels.model";
import { isDisabled, type PollOutcome, type PollPlan } from "../ingestion/ingestion.model";
import { type PollContext, rawKey, runPoll } from "../ingestion/ingestion.service";
import { fetchJson, type HttpPolicy } from "../ingestion/ingestion-http.client";
import { type DiscoveryList, loadRunning, newRun, noteSkipped, type RunState, saveRun } from "./polymarket.discovery-run";
import { LooseEventsPageSchema, LooseMarketsPageSchema, parseEvent, parseMarket, toEventRow, toMarketRow } from "./polymarket.model";
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
  /**
   * Pages fetched per invocation (cron tick); the run resumes from its stored cursor on the next tick.
   * Absent: the whole walk in one call (tests of small listings).
   */
  pagesPerTick?: number;
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
/**
 * A market listed without an event must not erase the event link stored earlier; a re-discovered
 * market keeps its first-seen time (packets at a past asOf select on it).
 */
const MARKETS = upsertSpec(polymarketMarkets, {
  conflict: [polymarketMarkets.id],
  update: {
    event_id: "COALESCE(excluded.event_id, polymarket_markets.event_id)",
    first_seen_at_ms: "polymarket_markets.first_seen_at_ms",
  },
});

export type DiscoverOutcome = PollOutcome | { status: "in-progress"; runId: string; pagesDone: number; skipped: number };

const CHANNELS: Channel[] = ["events", "markets"];

/**
 * One cron tick of discovery (channels `events` and `markets`): resumes the running run from its
 * stored cursor (or starts one), walks at most `pagesPerTick` pages, and either stores where it got
 * to (`in-progress`: no ingestion run recorded yet, nothing visible) or, once both lists are walked,
 * promotes the run through `runPoll`. A failure on any page of any tick drops the run's staging rows
 * and archived pages and records the error runs. A running run not advanced for STAGING_TTL_MS is
 * abandoned (its staging rows deleted) and a fresh one starts.
 */
export async function discover(
  ctx: PollContext,
  urls: PolymarketUrls,
  policy: HttpPolicy,
  options: DiscoverOptions,
): Promise<DiscoverOutcome> {
  if (CHANNELS.every((c) => isDisabled(ctx.settings, SOURCE, c))) return { status: "disabled" };
  const nowMs = ctx.deps.clock.nowMs();
  let state = await loadRunning(ctx.d1);
  if (state && state.updatedAtMs < nowMs - STAGING_TTL_MS) {
    await ctx.d1.batch([
      saveRun(ctx.d1, state, "abandoned", "stalled: not advanced within the staging TTL"),
      ...clearStaging(ctx.d1, state.id, nowMs),
    ]);
    state = null;
  }
  const run: Run = { state: state ?? newRun(ctx.deps.ids.next("discovery"), nowMs), nowMs };
  run.state.ticks += 1;
  let done: boolean;
  try {
    done = await stagePages(ctx, run, urls, policy, options);
  } catch (error) {
    const message = String((error as Error)?.message ?? error).slice(0, 500);
    run.state.updatedAtMs = nowMs;
    // Best effort: if cleanup fails too, the TTL sweep of a later run removes the rows; readers never see them.
    await ctx.d1.batch([saveRun(ctx.d1, run.state, "error", message), ...clearStaging(ctx.d1, run.state.id, nowMs)]).catch(() => undefined);
    const archived = archivedKeys(run);
    for (let i = 0; i < archived.length; i += 1000) {
      await ctx.archive?.delete(archived.slice(i, i + 1000)).catch(() => undefined); // R2: 1,000 keys per delete
    }
    // runPoll records one error run per channel, as for every other failed poll.
    return runPoll(ctx, SOURCE, CHANNELS, () => Promise.reject(error));
  }
  run.state.updatedAtMs = nowMs;
  if (!done) {
    await ctx.d1.batch([saveRun(ctx.d1, run.state, "running")]);
    const pagesDone = run.state.eventsPages + run.state.marketsPages;
    return { status: "in-progress", runId: run.state.id, pagesDone, skipped: run.state.skipped };
  }
  return runPoll(ctx, SOURCE, CHANNELS, () => promotionPlan(ctx.d1, run));
}

interface Run {
  state: RunState;
  /** This tick's clock: the `ingested_at_ms` of the rows it stages. */
  nowMs: number;
}

/** R2 keys of the pages archived so far (INGEST_ARCHIVE_RAW), deleted if the run fails. */
function archivedKeys(run: Run): string[] {
  const { id, startedAtMs, eventsPages, marketsPages, list } = run.state;
  const names = [
    ...Array.from({ length: eventsPages + (list === "events" ? 1 : 0) }, (_, i) => `events-${i}`),
    ...Array.from({ length: list === "markets" ? marketsPages + 1 : 0 }, (_, i) => `markets-${i}`),
  ];
  return names.map((name) => rawKey(SOURCE, startedAtMs, id, name));
}

/**
 * Walks the keyset lists from the stored position, staging each page before fetching the next, for at
 * most `pagesPerTick` pages. Returns true when both lists are complete. Each event and market is
 * validated alone: a malformed one is skipped and counted on the run record.
 */
async function stagePages(
  ctx: PollContext,
  run: Run,
  urls: PolymarketUrls,
  policy: HttpPolicy,
  options: DiscoverOptions,
): Promise<boolean> {
  const s = run.state;
  const stamp = { runId: s.id, stagedAtMs: s.startedAtMs };
  const archive = async (name: string, body: string) => {
    if (!ctx.settings.INGEST_ARCHIVE_RAW || !ctx.archive) return;
    await ctx.archive.put(rawKey(SOURCE, s.startedAtMs, s.id, name), body, { httpMetadata: { contentType: "application/json" } });
  };
  const events = stager(ctx.d1, EVENTS_STAGING, options.flushRows);
  const embedded = stager(ctx.d1, EMBEDDED_STAGING, options.flushRows);
  const listed = stager(ctx.d1, LISTED_STAGING, options.flushRows);

  for (let tickPages = 0; tickPages < (options.pagesPerTick ?? Number.POSITIVE_INFINITY); tickPages++) {
    const list = s.list;
    const page = list === "events" ? s.eventsPages : s.marketsPages;
    if (page >= options.maxPages)
      throw new Error(`${list}: more than ${options.maxPages} pages; raise maxPages (run incomplete: nothing promoted or closed)`);
    const url = keysetUrl(urls, list, list === "events" ? options.eventsPageSize : options.marketsPageSize);
    if (s.cursor) url.searchParams.set("after_cursor", s.cursor);
    let next: string | null | undefined;
    if (list === "events") {
      const { data, raw } = await fetchJson(url.toString(), LooseEventsPageSchema, policy);
      await archive(`events-${page}`, raw);
      await stageEvents(data.events, run, page, stamp, events, embedded);
      next = data.next_cursor;
    } else {
      const { data, raw } = await fetchJson(url.toString(), LooseMarketsPageSchema, policy);
      await archive(`markets-${page}`, raw);
      const rows: Array<Record<string, unknown>> = [];
      data.markets.forEach((item, i) => {
        const m = parseMarket(item);
        if (m.ok) rows.push({ ...toMarketRow(m.value, { eventId: null, tags: [] }, run.nowMs), ...stamp });
        else noteSkipped(s, `markets page ${page} item ${i}: ${m.reason}`);
      });
      await listed.add(rows);
      next = data.next_cursor;
    }
    if (list === "events") s.eventsPages += 1;
    else s.marketsPages += 1;
    if (next && s.seen.includes(next))
      throw new Error(`${list}: repeated cursor after page ${page} (run incomplete: nothing promoted or closed)`);
    if (next) {
      s.seen.push(next);
      s.cursor = next;
      continue;
    }
    s.cursor = null;
    s.seen = [];
    if (list === "markets") {
      await listed.flush();
      return true;
    }
    s.list = "markets";
    // Embedded rows land before the market list: listed markets merge with them.
    await events.flush();
    await embedded.flush();
  }
  await Promise.all([events.flush(), embedded.flush(), listed.flush()]);
  return false;
}

/** Stages one events page: each event, and each market it embeds, validated alone. */
async function stageEvents(
  items: unknown[],
  run: Run,
  page: number,
  stamp: { runId: string; stagedAtMs: number },
  events: ReturnType<typeof stager>,
  embedded: ReturnType<typeof stager>,
) {
  for (const [i, item] of items.entries()) {
    const parsed = parseEvent(item);
    if (!parsed.event.ok) {
      noteSkipped(run.state, `events page ${page} item ${i}: ${parsed.event.reason}`);
      continue;
    }
    const e = parsed.event.value;
    parsed.markets.forEach((m, j) => {
      if (!m.ok) noteSkipped(run.state, `events page ${page} item ${i} market ${j}: ${m.reason}`);
    });
    const row = toEventRow(e, run.nowMs);
    const tags = JSON.parse(row.tagsJson) as string[];
    await events.add([{ ...row, ...stamp }]);
    await embedded.add((e.markets ?? []).map((m) => ({ ...toMarketRow(m, { eventId: e.id, tags }, run.nowMs), ...stamp })));
  }
}

function keysetUrl(urls: PolymarketUrls, list: DiscoveryList, pageSize: number): URL {
  const url = new URL(`${urls.gammaUrl}/${list}/keyset`);
  url.searchParams.set("closed", "false");
  url.searchParams.set("limit", String(pageSize));
  return url;
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
  const runId = run.state.id;
  const db = openDb(d1); // over `ctx.d1`, which tests wrap to watch every batch
  const summary = (t: typeof polymarketEventsStaging | typeof polymarketMarketsStaging) =>
    db
      .select({ n: sql<number>`count(*)`.as("n"), newest: sql<number | null>`max(${t.sourceUpdatedAtMs})`.as("newest") })
      .from(t)
      .where(eq(t.runId, runId));
  const [events, markets] = (await db.batch([summary(polymarketEventsStaging), summary(polymarketMarketsStaging)])).map(
    (rows) => rows[0] ?? { n: 0, newest: null },
  );
  return {
    statements: [
      upsertFrom(d1, EVENTS, { table: "polymarket_events_staging", keyColumn: "run_id", key: runId }),
      upsertFrom(d1, MARKETS, { table: "polymarket_markets_staging", keyColumn: "run_id", key: runId }),
      ...closeUnlisted(d1, runId),
      ...clearStaging(d1, runId, run.nowMs),
      saveRun(d1, run.state, "ok"),
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
function closeUnlisted(d1: D1Database, runId: string): D1PreparedStatement[] {
  return ["polymarket_events", "polymarket_markets"].map((table) =>
    d1
      .prepare(`UPDATE ${table} SET closed = 1 WHERE closed = 0 AND id NOT IN (SELECT id FROM ${table}_staging WHERE run_id = ?)`)
      .bind(runId),
  );
}

/** Deletes the run's staging rows and those of runs that died mid-way. */
function clearStaging(d1: D1Database, runId: string, nowMs: number): D1PreparedStatement[] {
  return ["polymarket_events_staging", "polymarket_markets_staging"].map((table) =>
    d1.prepare(`DELETE FROM ${table} WHERE run_id = ? OR staged_at_ms < ?`).bind(runId, nowMs - STAGING_TTL_MS),
  );
}

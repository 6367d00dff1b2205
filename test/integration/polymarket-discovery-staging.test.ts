/**
 * Staged Polymarket discovery (polymarket.discovery.ts) against the recorded stand-in with pages of 2:
 * every D1 batch the run sends is bounded (at most `flushRows` staged rows, the final promotion a
 * handful of statements), and readers (latest markets/events, context) see the previous committed
 * state after EVERY batch of a run, including a run that fails on a later page, whose staging rows
 * are then gone. D1 is wrapped by a recorder that counts the JSON rows each statement binds and takes
 * the readers' snapshot after each batch.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { openDb } from "../../src/db/client";
import { dataFacts } from "../../src/domains/market-data/ingestion/health.facts";
import { discover, STAGING_TTL_MS } from "../../src/domains/market-data/polymarket/polymarket.discovery";
import { TargetSchema } from "../../src/domains/market-data/polymarket/polymarket.model";
import { contextFor, latestEvents, latestMarkets } from "../../src/domains/market-data/polymarket/polymarket.service";
import { faultUrl, runsOf, TEST_POLICY, tableCount, testPollContext } from "../support/ingestion";

const NOW = Date.UTC(2026, 2, 11, 16, 0, 0); // the recording's day, so its open markets are still open
const base = inject("polymarketUrl");
const urls = { gammaUrl: base, clobUrl: base };
const FLUSH_ROWS = 2;
const options = { eventsPageSize: 2, marketsPageSize: 2, maxPages: 20, flushRows: FLUSH_ROWS };
const STAGING = ["polymarket_events_staging", "polymarket_markets_staging"];

interface Batch {
  statements: Array<{ sql: string; rows: number }>;
  /** What readers saw right after the batch committed. */
  seen: Awaited<ReturnType<typeof readersView>>;
  staged: number;
}

/** Everything a reader can see of discovery: the latest endpoint's reads and a context read. */
async function readersView() {
  const db = openDb(env.DB);
  const context = await contextFor(db, TargetSchema.parse("event:democratic-presidential-nominee-2028"), NOW);
  return {
    markets: await latestMarkets(db, undefined, 500),
    events: await latestEvents(db, undefined, 500),
    context: context ? { immediate: context.immediate, later: context.later } : null,
  };
}

/** env.DB, recording each batch: per statement its SQL and the rows of its JSON parameter. */
function recordingD1(batches: Batch[]): D1Database {
  const rowsOf = new WeakMap<D1PreparedStatement, { sql: string; rows: number }>();
  const jsonRows = (args: unknown[]) =>
    args.reduce<number>((n, a) => n + (typeof a === "string" && a.startsWith("[") ? (JSON.parse(a) as unknown[]).length : 0), 0);
  return {
    prepare(sql: string) {
      const statement = env.DB.prepare(sql);
      const bind = statement.bind.bind(statement);
      statement.bind = (...args: unknown[]) => {
        const bound = bind(...args);
        rowsOf.set(bound, { sql, rows: jsonRows(args) });
        return bound;
      };
      return statement;
    },
    async batch<T>(statements: D1PreparedStatement[]) {
      const results = await env.DB.batch<T>(statements);
      const staged = (await Promise.all(STAGING.map(tableCount))).reduce((a, b) => a + b, 0);
      batches.push({ statements: statements.map((s) => rowsOf.get(s) ?? { sql: "?", rows: 0 }), seen: await readersView(), staged });
      return results;
    },
  } as D1Database;
}

const stagingWrites = (batches: Batch[]) =>
  batches.filter((b) => b.statements.some((s) => /INSERT INTO polymarket_\w+_staging/.test(s.sql)));

async function clear() {
  await env.DB.batch(
    ["polymarket_events", "polymarket_markets", "ingestion_runs", "polymarket_discovery_runs", ...STAGING].map((t) =>
      env.DB.prepare(`DELETE FROM ${t}`),
    ),
  );
}

describe("staged polymarket discovery", () => {
  beforeEach(clear);

  it("stages page by page in batches of at most flushRows rows and promotes in one small batch", async () => {
    const batches: Batch[] = [];
    const empty = await readersView();
    const outcome = await discover({ ...testPollContext(NOW), d1: recordingD1(batches) }, urls, TEST_POLICY, options);
    expect(outcome).toMatchObject({ status: "ok" });

    const staging = stagingWrites(batches);
    expect(staging.length).toBeGreaterThanOrEqual(4); // 3 events + 4 embedded + 4 listed markets, 2 rows at a time
    for (const b of staging) expect(b.statements.reduce((n, s) => n + s.rows, 0)).toBeLessThanOrEqual(FLUSH_ROWS);
    // Until the last batch, readers saw exactly the state before the run, though rows were staged.
    const beforePromotion = batches.slice(0, -1);
    expect(Math.max(...beforePromotion.map((b) => b.staged))).toBeGreaterThan(0);
    for (const b of beforePromotion) expect(b.seen).toEqual(empty);
    // The promotion: 2 upserts from staging, 2 close-unlisted updates, 2 staging deletes, the discovery
    // run record, 2 ingestion run rows; no row travels in it.
    const promotion = batches.at(-1) as Batch;
    expect(promotion.statements).toHaveLength(9);
    expect(promotion.statements.every((s) => s.rows === 0)).toBe(true);
    expect(promotion.staged).toBe(0);
    expect(promotion.seen.markets.map((m) => m.id).sort()).toEqual(["1500056", "1557558", "559657", "559659"]);
    expect(promotion.seen.context?.immediate?.id).toBe("559657");
    expect((await runsOf("polymarket", "markets"))[0]).toMatchObject({ status: "ok", rows_written: 4 });
    expect((await runsOf("polymarket", "events"))[0]).toMatchObject({ status: "ok", rows_written: 3 });
  });

  it("a run failing on a later markets page is never visible and leaves no staged rows", async () => {
    await discover(testPollContext(NOW), urls, TEST_POLICY, options);
    const committed = await readersView();
    const batches: Batch[] = [];
    const faulty = faultUrl(base, "500", "markets+paged"); // events pages and the first markets page succeed
    const later = NOW + 60_000; // a later ingested_at_ms: any leaked row would differ
    const outcome = await discover(
      { ...testPollContext(later), d1: recordingD1(batches) },
      { gammaUrl: faulty, clobUrl: faulty },
      TEST_POLICY,
      options,
    );
    expect(outcome).toMatchObject({ status: "error", error: expect.stringMatching(/http: status 500/) });

    const staging = stagingWrites(batches);
    expect(staging.length).toBeGreaterThanOrEqual(3);
    expect(staging.some((b) => b.statements.some((s) => s.sql.includes("COALESCE(polymarket_markets_staging")))).toBe(true); // page 1 of markets staged
    for (const b of staging) expect(b.statements.reduce((n, s) => n + s.rows, 0)).toBeLessThanOrEqual(FLUSH_ROWS);
    for (const b of batches) expect(b.seen).toEqual(committed);
    expect(Math.max(...batches.map((b) => b.staged))).toBeGreaterThan(0);
    for (const table of STAGING) expect(await tableCount(table)).toBe(0);
    expect(await readersView()).toEqual(committed);
    expect((await runsOf("polymarket", "markets")).map((r) => r.status)).toEqual(["ok", "error"]);
  });

  it("sweeps staging rows of a run that died mid-way once they are older than the TTL", async () => {
    const stage = (runId: string, stagedAtMs: number) =>
      env.DB.prepare(
        "INSERT INTO polymarket_events_staging (run_id, staged_at_ms, id, slug, title, active, closed, archived, tags_json, ingested_at_ms) VALUES (?, ?, 'e1', 's', 't', 1, 0, 0, '[]', ?)",
      ).bind(runId, stagedAtMs, stagedAtMs);
    await env.DB.batch([stage("dead-old", NOW - STAGING_TTL_MS - 1), stage("maybe-running", NOW - STAGING_TTL_MS)]);
    expect((await discover(testPollContext(NOW), urls, TEST_POLICY, options)).status).toBe("ok");
    const left = await env.DB.prepare("SELECT run_id FROM polymarket_events_staging").all<{ run_id: string }>();
    expect(left.results.map((r) => r.run_id)).toEqual(["maybe-running"]);
    expect(await tableCount("polymarket_events")).toBe(3); // the dead run's row was never promoted
  });

  it("archives raw pages as they are staged (INGEST_ARCHIVE_RAW) and deletes them when the run fails", async () => {
    const listRaw = async () => (await env.ARTIFACTS.list({ prefix: "market-data/raw/polymarket/" })).objects.map((o) => o.key);
    for (const key of await listRaw()) await env.ARTIFACTS.delete(key);
    const archiving = testPollContext(NOW, { INGEST_ARCHIVE_RAW: "true" });
    const faulty = faultUrl(base, "500", "markets+paged");
    expect((await discover(archiving, { gammaUrl: faulty, clobUrl: faulty }, TEST_POLICY, options)).status).toBe("error");
    expect(await listRaw()).toEqual([]);

    expect((await discover(archiving, urls, TEST_POLICY, options)).status).toBe("ok");
    const keys = await listRaw();
    const names = keys.map((k) => k.split("/").at(-1)).sort();
    expect(names).toEqual(["events-0.json", "events-1.json", "markets-0.json", "markets-1.json"]);
    expect(new Set(keys.map((k) => k.split("/").slice(0, -1).join("/"))).size).toBe(1); // one run folder
    const page = (await (await env.ARTIFACTS.get(keys.find((k) => k.endsWith("markets-0.json")) as string))?.json()) as {
      markets: unknown[];
    };
    expect(page.markets).toHaveLength(2);
  });
});

/**
 * Gamma lists only open rows, so a market or event that resolved, closed or was archived since the
 * last run simply stops appearing. The stand-in's `/__delisted/<ids>` prefix serves the recording
 * without those ids. Only a complete run marks the unlisted rows closed.
 */
describe("discovery closes stored rows that are no longer listed", () => {
  beforeEach(clear);
  const NOMINEE = TargetSchema.parse("event:democratic-presidential-nominee-2028");
  const delistedUrls = (ids: string[]) => {
    const url = `${base}/__delisted/${ids.join(",")}`;
    return { gammaUrl: url, clobUrl: url };
  };
  const openIds = async (table: string) =>
    (await env.DB.prepare(`SELECT id FROM ${table} WHERE closed = 0 ORDER BY id`).all<{ id: string }>()).results.map((r) => r.id);
  const rowOf = (table: string, id: string) => env.DB.prepare(`SELECT * FROM ${table} WHERE id = ?`).bind(id).first();

  async function firstRun() {
    expect((await discover(testPollContext(NOW), urls, TEST_POLICY, options)).status).toBe("ok");
    const context = await contextFor(openDb(env.DB), NOMINEE, NOW);
    const immediate = context?.immediate?.id as string;
    const later = context?.later?.id as string;
    expect(immediate).toBe("559657");
    expect(later).toBeTruthy();
    const events = await openIds("polymarket_events");
    const nomineeId = context?.resolved.kind === "event" ? context.resolved.event.id : undefined;
    const otherEvent = events.find((id) => id !== nomineeId);
    expect(otherEvent).toBeTruthy();
    return { immediate, later, otherEvent: otherEvent as string, markets: await openIds("polymarket_markets"), events };
  }

  it("a complete run marks the unlisted market and event closed and context moves to the next market", async () => {
    const first = await firstRun();
    const before = await rowOf("polymarket_markets", first.immediate);
    const later = NOW + 60_000;
    const outcome = await discover(testPollContext(later), delistedUrls([first.immediate, first.otherEvent]), TEST_POLICY, options);
    expect(outcome.status).toBe("ok");

    expect(await rowOf("polymarket_markets", first.immediate)).toEqual({ ...before, closed: 1 }); // nothing else changes
    expect(await openIds("polymarket_markets")).toEqual(first.markets.filter((id) => id !== first.immediate));
    expect(await openIds("polymarket_events")).toEqual(first.events.filter((id) => id !== first.otherEvent));
    const context = await contextFor(openDb(env.DB), NOMINEE, later);
    expect(context?.immediate?.id).toBe(first.later);
    expect(context?.immediate?.id).not.toBe(first.immediate);
    const latest = await latestMarkets(openDb(env.DB), [first.immediate], 10);
    expect(latest.map((m) => m.closed)).toEqual([true]);
    // Health coverage no longer expects the closed rows: everything expected was refreshed by this run.
    for (const channel of ["markets", "events"]) {
      const { coverage } = await dataFacts(env.DB, "polymarket", channel, later, 30_000);
      expect(coverage.expected).toBeGreaterThan(0);
      expect(coverage.fresh).toBe(coverage.expected);
    }
  });

  it("a run truncated by maxPages marks nothing and records why", async () => {
    const first = await firstRun();
    const outcome = await discover(testPollContext(NOW + 60_000), delistedUrls([first.immediate, first.otherEvent]), TEST_POLICY, {
      ...options,
      maxPages: 1,
    });
    expect(outcome).toMatchObject({ status: "error", error: expect.stringMatching(/more than 1 pages.*nothing promoted or closed/) });
    expect(await openIds("polymarket_markets")).toEqual(first.markets);
    expect(await openIds("polymarket_events")).toEqual(first.events);
    expect((await contextFor(openDb(env.DB), NOMINEE, NOW))?.immediate?.id).toBe(first.immediate);
  });

  it("a repeated cursor stops the run with the error recorded, and marks nothing", async () => {
    const first = await firstRun();
    const looping = faultUrl(base, "repeat-cursor", "markets+paged");
    const outcome = await discover(testPollContext(NOW + 60_000), { gammaUrl: looping, clobUrl: looping }, TEST_POLICY, options);
    expect(outcome).toMatchObject({ status: "error", error: expect.stringMatching(/markets: repeated cursor after page 1/) });
    expect(await openIds("polymarket_markets")).toEqual(first.markets);
    expect(await openIds("polymarket_events")).toEqual(first.events);
  });

  it("a run failing on a later page marks nothing", async () => {
    const first = await firstRun();
    const delisted = `__delisted/${first.immediate},${first.otherEvent}`;
    const faulty = `${faultUrl(base, "500", `${delisted}/markets+paged`)}/${delisted}`;
    const outcome = await discover(testPollContext(NOW + 60_000), { gammaUrl: faulty, clobUrl: faulty }, TEST_POLICY, options);
    expect(outcome).toMatchObject({ status: "error", error: expect.stringMatching(/http: status 500/) });
    expect(await openIds("polymarket_markets")).toEqual(first.markets);
    expect(await openIds("polymarket_events")).toEqual(first.events);
  });
});

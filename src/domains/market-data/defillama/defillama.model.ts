/**
 * DefiLlama wire shapes and their mapping to compact rows `(channel, scope, target, day)`.
 * Series endpoints (TVL) give daily points at 00:00 UTC plus a partial current day; snapshot endpoints
 * (stablecoins, dimension overviews) describe "now", so their row is stamped with the poll time.
 * Flows are supply changes: delta 1d = circulating - circulatingPrevDay, 7d = - circulatingPrevWeek.
 */
import { z } from "zod";
import { DAY_MS, floorTo } from "../../../core/clock";
import type { DefillamaChannel } from "../channels.model";

export const ScopeSchema = z.enum(["global", "chain", "protocol", "stablecoin"]);
export type Scope = z.infer<typeof ScopeSchema>;

/** `/v2/historicalChainTvl[/{chain}]`: `[{date (unix s), tvl}]`. */
export const ChainTvlSeriesSchema = z.array(z.object({ date: z.number(), tvl: z.number() }));
/** `/protocol/{slug}`: daily `tvl[{date, totalLiquidityUSD}]`. */
export const ProtocolSchema = z
  .object({ name: z.string(), tvl: z.array(z.object({ date: z.number(), totalLiquidityUSD: z.number() })) })
  .loose();

const pegged = z.object({ peggedUSD: z.number().nullish() }).loose().nullish();
/** `/stablecoins?includePrices=true`. */
export const StablecoinsSchema = z.object({
  peggedAssets: z.array(
    z
      .object({
        symbol: z.string(),
        pegType: z.string().nullish(),
        circulating: pegged,
        circulatingPrevDay: pegged,
        circulatingPrevWeek: pegged,
        chainCirculating: z
          .record(z.string(), z.object({ current: pegged, circulatingPrevDay: pegged, circulatingPrevWeek: pegged }).loose())
          .nullish(),
      })
      .loose(),
  ),
});
export type Stablecoins = z.infer<typeof StablecoinsSchema>;

/** `/overview/{dexs|fees|open-interest}[/{chain}]` (charts excluded). */
export const OverviewSchema = z
  .object({
    total24h: z.number().nullish(),
    total48hto24h: z.number().nullish(),
    protocols: z.array(
      z.object({ name: z.string(), slug: z.string().nullish(), category: z.string().nullish(), total24h: z.number().nullish() }).loose(),
    ),
  })
  .loose();
export type Overview = z.infer<typeof OverviewSchema>;

export interface MetricRow {
  channel: DefillamaChannel;
  scope: Scope;
  target: string;
  dayMs: number;
  tMs: number;
  valueUsd: number;
  delta1dUsd: number | null;
  delta7dUsd: number | null;
  ingestedAtMs: number;
}

/** The newest `keepDays` points of a daily series, with 1d/7d deltas from the same series. */
export function seriesRows(
  channel: DefillamaChannel,
  scope: Scope,
  target: string,
  points: Array<{ tSec: number; value: number }>,
  keepDays: number,
  ingestedAtMs: number,
): MetricRow[] {
  const byDay = new Map<number, { tMs: number; value: number }>();
  for (const p of points) byDay.set(floorTo(p.tSec * 1000, DAY_MS), { tMs: p.tSec * 1000, value: p.value });
  const days = [...byDay.keys()].sort((a, b) => a - b).slice(-keepDays);
  return days.map((dayMs) => {
    const point = byDay.get(dayMs) as { tMs: number; value: number };
    const back = (n: number) => byDay.get(dayMs - n * DAY_MS)?.value;
    const d1 = back(1);
    const d7 = back(7);
    return {
      channel,
      scope,
      target,
      dayMs,
      tMs: point.tMs,
      valueUsd: point.value,
      delta1dUsd: d1 === undefined ? null : point.value - d1,
      delta7dUsd: d7 === undefined ? null : point.value - d7,
      ingestedAtMs,
    };
  });
}

/** Stablecoin supply rows: global, per watched chain and per stablecoin (top `topN` by supply). USD-pegged only. */
export function stablecoinRows(data: Stablecoins, chains: string[], topN: number, nowMs: number): MetricRow[] {
  const usd = data.peggedAssets.filter((a) => (a.pegType ?? "peggedUSD") === "peggedUSD");
  const row = (scope: Scope, target: string, now: number, delta1d: number | null, delta7d: number | null): MetricRow => ({
    channel: "stablecoins",
    scope,
    target,
    dayMs: floorTo(nowMs, DAY_MS),
    tMs: nowMs,
    valueUsd: now,
    delta1dUsd: delta1d,
    delta7dUsd: delta7d,
    ingestedAtMs: nowMs,
  });
  const out: MetricRow[] = [
    flowRow(
      row,
      "global",
      "all",
      usd.map((a) => ({
        now: a.circulating?.peggedUSD,
        prevDay: a.circulatingPrevDay?.peggedUSD,
        prevWeek: a.circulatingPrevWeek?.peggedUSD,
      })),
    ),
  ];
  for (const chain of chains) {
    const on = usd.map((a) => a.chainCirculating?.[chain]).filter((c) => c !== undefined && c !== null);
    if (on.length === 0) continue;
    out.push(
      flowRow(
        row,
        "chain",
        chain,
        on.map((c) => ({
          now: c.current?.peggedUSD,
          prevDay: c.circulatingPrevDay?.peggedUSD,
          prevWeek: c.circulatingPrevWeek?.peggedUSD,
        })),
      ),
    );
  }
  const top = [...usd].sort((a, b) => (b.circulating?.peggedUSD ?? 0) - (a.circulating?.peggedUSD ?? 0)).slice(0, topN);
  for (const a of top) {
    out.push(
      flowRow(row, "stablecoin", a.symbol, [
        { now: a.circulating?.peggedUSD, prevDay: a.circulatingPrevDay?.peggedUSD, prevWeek: a.circulatingPrevWeek?.peggedUSD },
      ]),
    );
  }
  return out;
}

type Supply = { now: number | null | undefined; prevDay: number | null | undefined; prevWeek: number | null | undefined };

/**
 * An aggregate supply row whose flows sum, per coin, `now − prev` over the coins that HAVE the
 * previous value: one coin lacking a previous-day value (a new listing, a gap in DefiLlama's data)
 * must not null the whole aggregate's delta, and its whole supply is not a one-day flow either.
 * A delta is null only when no coin has the previous value.
 */
function flowRow(
  row: (scope: Scope, target: string, now: number, delta1d: number | null, delta7d: number | null) => MetricRow,
  scope: Scope,
  target: string,
  coins: Supply[],
): MetricRow {
  const flow = (key: "prevDay" | "prevWeek") => {
    const known = coins.filter((c) => typeof c[key] === "number");
    return known.length === 0 ? null : known.reduce((s, c) => s + ((c.now ?? 0) - (c[key] as number)), 0);
  };
  return row(
    scope,
    target,
    coins.reduce((s, c) => s + (c.now ?? 0), 0),
    flow("prevDay"),
    flow("prevWeek"),
  );
}

/**
 * Dimension rows (DEX volume, fees, revenue, open interest): the overview's own total (global or a
 * chain: `total24h`, with `total48hto24h` for the 1-day change) and the top protocols by 24h value.
 * The API's totals are used as given, never re-summed from a category; open interest lists only
 * `category == "Derivatives"` protocols in its top list.
 */
export function overviewRows(
  channel: DefillamaChannel,
  scope: "global" | "chain",
  target: string,
  data: Overview,
  topN: number,
  nowMs: number,
): MetricRow[] {
  const protocols = channel === "open_interest" ? data.protocols.filter((p) => p.category === "Derivatives") : data.protocols;
  const total = data.total24h ?? null;
  const base = { channel, dayMs: floorTo(nowMs, DAY_MS), tMs: nowMs, delta7dUsd: null, ingestedAtMs: nowMs };
  const out: MetricRow[] = [];
  if (total !== null) {
    const prev = data.total48hto24h ?? null;
    out.push({ ...base, scope, target, valueUsd: total, delta1dUsd: prev === null ? null : total - prev });
  }
  if (scope === "global") {
    const top = protocols
      .filter((p) => typeof p.total24h === "number")
      .sort((a, b) => (b.total24h ?? 0) - (a.total24h ?? 0))
      .slice(0, topN);
    for (const p of top)
      out.push({ ...base, scope: "protocol", target: p.slug || slugOf(p.name), valueUsd: p.total24h as number, delta1dUsd: null });
  }
  return out;
}

/** DefiLlama slugs are the lower-cased name with spaces as hyphens (used when a list omits `slug`). */
export function slugOf(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, "-");
}

/** A DefiLlama latest-data target: `all`/`global`, `chain:<name>`, `protocol:<slug>`, `stablecoin:<symbol>`. */
export function parseDefillamaTarget(raw: string | undefined): { scope: Scope; target: string } | undefined {
  if (!raw || raw === "all" || raw === "global") return { scope: "global", target: "all" };
  const m = /^(chain|protocol|stablecoin):(.+)$/.exec(raw);
  return m ? { scope: m[1] as Scope, target: m[2] as string } : undefined;
}

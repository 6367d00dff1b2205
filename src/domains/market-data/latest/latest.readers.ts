/**
 * The latest-data reader registry, keyed `source:channel`. Each reader resolves its subject (registry
 * asset, Polymarket target, DefiLlama scope) and returns rows newest first in its channel's normalized
 * shape, or a failure value the route maps to the error envelope (unknown subject, unsupported pair).
 * Indicator channels read the rows the indicator jobs derive from closed candles (`interval` 1m or 1h).
 */
import { and, desc, eq } from "drizzle-orm";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import { type HyperliquidChannel, type INDICATOR_CHANNELS, SOURCE_CHANNELS, type Source } from "../channels.model";
import { parseDefillamaTarget } from "../defillama/defillama.model";
import { latestMetrics } from "../defillama/defillama.service";
import { latestAssetContexts } from "../hyperliquid/asset-contexts.service";
import { supportsChannel } from "../hyperliquid/assets.model";
import { getAssets } from "../hyperliquid/assets.service";
import { hyperliquidCandles1h, hyperliquidCandles1m } from "../hyperliquid/candles.tables";
import { readLatestIndicators } from "../indicators/indicators.service";
import { type Outcome, TargetSchema } from "../polymarket/polymarket.model";
import { contextFor, latestEvents, latestMarkets } from "../polymarket/polymarket.service";
import { type PolymarketEventRow, type PolymarketMarketRow, polymarketPrices } from "../polymarket/polymarket.tables";
import type { LatestQuery, LatestRow, Subject } from "./latest.model";

export type LatestFailure =
  | { kind: "not_found"; message: string }
  | { kind: "bad_request"; message: string }
  | { kind: "unsupported"; message: string };
export type LatestAnswer = Result<{ subject: Subject; rows: LatestRow[] }, LatestFailure>;
export type LatestReader = (db: Db, query: LatestQuery, nowMs: number) => Promise<LatestAnswer>;

/** Every valid `source:channel` key of the vocabulary. */
type SourceChannel = { [S in Source]: `${S}:${(typeof SOURCE_CHANNELS)[S][number]}` }[Source];

type IndicatorChannel = (typeof INDICATOR_CHANNELS)[number];

/** Resolves `symbol` in the registry and checks the channel's capability flag. */
async function hyperliquidSubject(db: Db, query: LatestQuery, channel: HyperliquidChannel): Promise<Result<Subject, LatestFailure>> {
  if (!query.symbol) return err({ kind: "bad_request", message: "hyperliquid channels need `symbol`" });
  const asset = (await getAssets(db, [query.symbol])).get(query.symbol);
  if (!asset) return err({ kind: "not_found", message: `symbol ${query.symbol} is not in the asset registry` });
  if (!supportsChannel(asset, channel)) {
    return err({ kind: "unsupported", message: `${asset.kind} asset ${asset.symbol} has no ${channel} channel (registry capability)` });
  }
  return ok({ kind: "asset", id: asset.symbol, label: asset.displayName });
}

function candleReader(channel: "ohlcv_1m" | "ohlcv_1h"): LatestReader {
  return async (db, query) => {
    const subject = await hyperliquidSubject(db, query, channel);
    if (!subject.ok) return subject;
    const table = channel === "ohlcv_1m" ? hyperliquidCandles1m : hyperliquidCandles1h;
    const rows = await db.select().from(table).where(eq(table.symbol, subject.value.id)).orderBy(desc(table.openTimeMs)).limit(query.limit);
    return ok({
      subject: subject.value,
      rows: rows.map((r) => ({
        tMs: r.openTimeMs,
        closeTimeMs: r.closeTimeMs,
        open: r.open,
        high: r.high,
        low: r.low,
        close: r.close,
        volume: r.volume,
        trades: r.trades,
        ...("isFinal" in r ? { sourceMinutes: r.sourceMinutes, isFinal: r.isFinal } : {}),
      })),
    });
  };
}

const fundingReader: LatestReader = async (db, query) => {
  const subject = await hyperliquidSubject(db, query, "funding");
  if (!subject.ok) return subject;
  const rows = await latestAssetContexts(db, subject.value.id, query.limit);
  return ok({
    subject: subject.value,
    rows: rows.map((r) => ({
      tMs: r.bucketMs,
      polledAtMs: r.polledAtMs,
      fundingRate: r.fundingRate,
      premium: r.premium,
      markPx: r.markPx,
      oraclePx: r.oraclePx,
      openInterest: r.openInterest,
      predicted: r.predicted.map(({ venue, fundingRate, nextFundingTimeMs }) => ({ venue, fundingRate, nextFundingTimeMs })),
    })),
  });
};

function indicatorReader(channel: IndicatorChannel): LatestReader {
  return async (db, query) => {
    const subject = await hyperliquidSubject(db, query, channel);
    if (!subject.ok) return subject;
    const rows = await readLatestIndicators(db, {
      symbol: subject.value.id,
      channel,
      interval: query.interval ?? "1m",
      limit: query.limit,
    });
    // Same time key as every other latest row: `tMs`, the bar open time.
    return ok({ subject: subject.value, rows: rows.map(({ t, ...values }) => ({ tMs: t, interval: query.interval ?? "1m", ...values })) });
  };
}

const tMsOf = (row: { sourceUpdatedAtMs: number | null; ingestedAtMs: number }) => row.sourceUpdatedAtMs ?? row.ingestedAtMs;
const tags = (json: string) => JSON.parse(json) as string[];

function marketRow(m: PolymarketMarketRow, subject: Subject | null) {
  const role = subject?.immediateMarketId === m.id ? "immediate" : subject?.laterMarketId === m.id ? "later" : null;
  return {
    tMs: tMsOf(m),
    id: m.id,
    eventId: m.eventId,
    slug: m.slug,
    question: m.question,
    outcomes: JSON.parse(m.outcomesJson) as Outcome[],
    volumeMicroUsd: m.volumeMicroUsd,
    liquidityMicroUsd: m.liquidityMicroUsd,
    startMs: m.startMs,
    endMs: m.endMs,
    active: m.active,
    closed: m.closed,
    tags: tags(m.tagsJson),
    role,
  } as const;
}

function eventRow(e: PolymarketEventRow) {
  const { sourceUpdatedAtMs: _s, ingestedAtMs: _i, tagsJson, archived: _a, ...rest } = e;
  return { tMs: tMsOf(e), ...rest, tags: tags(tagsJson) };
}

/** A Polymarket target's subject: what it resolved to, with its immediate and later markets. */
async function polymarketTarget(db: Db, raw: string, nowMs: number) {
  const context = await contextFor(db, TargetSchema.parse(raw), nowMs);
  if (!context) return err({ kind: "not_found" as const, message: `polymarket target ${raw} is not stored` });
  const r = context.resolved;
  const subject: Subject =
    r.kind === "market"
      ? { kind: "market", id: r.market.id, label: r.market.question }
      : r.kind === "event"
        ? { kind: "event", id: r.event.id, label: r.event.title }
        : { kind: "asset-match", id: r.asset };
  subject.immediateMarketId = context.immediate?.id ?? null;
  subject.laterMarketId = context.later?.id ?? null;
  return ok({ subject, context });
}

const marketsReader: LatestReader = async (db, query, nowMs) => {
  if (!query.target)
    return ok({
      subject: { kind: "all", id: "all" },
      rows: (await latestMarkets(db, undefined, query.limit)).map((m) => marketRow(m, null)),
    });
  const target = await polymarketTarget(db, query.target, nowMs);
  if (!target.ok) return target;
  const { subject, context } = target.value;
  const ids = context.resolved.kind === "market" ? [context.resolved.market.id] : context.resolved.markets.map((m) => m.id);
  return ok({ subject, rows: (await latestMarkets(db, ids, query.limit)).map((m) => marketRow(m, subject)) });
};

const eventsReader: LatestReader = async (db, query, nowMs) => {
  if (!query.target)
    return ok({ subject: { kind: "all", id: "all" }, rows: (await latestEvents(db, undefined, query.limit)).map(eventRow) });
  const target = await polymarketTarget(db, query.target, nowMs);
  if (!target.ok) return target;
  const r = target.value.context.resolved;
  const eventId = r.kind === "event" ? r.event.id : r.kind === "market" ? r.market.eventId : null;
  if (!eventId) return err({ kind: "bad_request", message: `target ${query.target} has no event` });
  return ok({ subject: target.value.subject, rows: (await latestEvents(db, eventId, query.limit)).map(eventRow) });
};

/** Price history of a market target, or of an event's (or asset match's) immediate market. */
const pricesReader: LatestReader = async (db, query, nowMs) => {
  if (!query.target) return err({ kind: "bad_request", message: "polymarket prices need `target` (a market, event or asset)" });
  const target = await polymarketTarget(db, query.target, nowMs);
  if (!target.ok) return target;
  const r = target.value.context.resolved;
  const marketId = r.kind === "market" ? r.market.id : target.value.subject.immediateMarketId;
  if (!marketId) return ok({ subject: target.value.subject, rows: [] });
  const rows = await db
    .select()
    .from(polymarketPrices)
    .where(and(eq(polymarketPrices.marketId, marketId)))
    .orderBy(desc(polymarketPrices.tMs), polymarketPrices.outcome)
    .limit(query.limit);
  return ok({
    subject: target.value.subject,
    rows: rows.map((p) => ({ tMs: p.tMs, marketId: p.marketId, outcome: p.outcome, tokenId: p.tokenId, price: p.price })),
  });
};

function defillamaReader(channel: (typeof SOURCE_CHANNELS)["defillama"][number]): LatestReader {
  return async (db, query) => {
    const scope = parseDefillamaTarget(query.target);
    if (!scope)
      return err({ kind: "bad_request", message: "defillama target must be all, chain:<name>, protocol:<slug> or stablecoin:<symbol>" });
    const rows = await latestMetrics(db, channel, scope.scope, scope.target, query.limit);
    if (rows.length === 0) return err({ kind: "not_found", message: `no ${channel} data stored for ${scope.scope} ${scope.target}` });
    return ok({
      subject: { kind: scope.scope, id: scope.target },
      rows: rows.map((r) => ({ tMs: r.tMs, dayMs: r.dayMs, valueUsd: r.valueUsd, delta1dUsd: r.delta1dUsd, delta7dUsd: r.delta7dUsd })),
    });
  };
}

/** Every (source, channel) of the vocabulary has an entry; `satisfies` keeps it complete. */
export const LATEST_READERS = {
  "hyperliquid:ohlcv_1m": candleReader("ohlcv_1m"),
  "hyperliquid:ohlcv_1h": candleReader("ohlcv_1h"),
  "hyperliquid:funding": fundingReader,
  "hyperliquid:rsi": indicatorReader("rsi"),
  "hyperliquid:bollinger": indicatorReader("bollinger"),
  "hyperliquid:sma": indicatorReader("sma"),
  "hyperliquid:ema": indicatorReader("ema"),
  "hyperliquid:macd": indicatorReader("macd"),
  "polymarket:markets": marketsReader,
  "polymarket:events": eventsReader,
  "polymarket:prices": pricesReader,
  "defillama:tvl": defillamaReader("tvl"),
  "defillama:stablecoins": defillamaReader("stablecoins"),
  "defillama:dex_volume": defillamaReader("dex_volume"),
  "defillama:fees": defillamaReader("fees"),
  "defillama:revenue": defillamaReader("revenue"),
  "defillama:open_interest": defillamaReader("open_interest"),
} satisfies Record<SourceChannel, LatestReader>;

/** Reads the latest rows of `query`; an unknown channel of the source is a `bad_request` failure. */
export async function readLatest(db: Db, query: LatestQuery, nowMs: number): Promise<LatestAnswer> {
  const reader = (LATEST_READERS as Record<string, LatestReader>)[`${query.source}:${query.channel}`];
  if (!reader) {
    const known = SOURCE_CHANNELS[query.source].join(", ");
    return err({ kind: "bad_request", message: `unknown channel ${query.channel} for ${query.source} (one of: ${known})` });
  }
  return reader(db, query, nowMs);
}

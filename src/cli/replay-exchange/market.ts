/**
 * The replay exchange's market state: ONE market per replayed coin. Prices (mark, oracle, mid, impact
 * prices, `allMids`, `l2Book`) come from the candle being replayed at that moment, so a fill, a mark
 * and a candle never disagree (issue 24, item 22: recorded 2026 contexts next to replayed January-2025
 * candles put BTC's mark at 66,303 while its candles traded near 97,900).
 *
 * Rule: for every replayed coin at virtual time v, `markPx` IS the coin's price at v
 * (CandleSource.priceAt: the close of the newest candle closed by v), written with the exchange's
 * price decimals (at most 6 - szDecimals for perps). What stays recorded is what is not a price level:
 *   - oracle, mid and impact prices keep their recorded offset from the recorded mark (as ratios);
 *   - funding rate, premium, open interest and the 24h volumes stay as recorded (a coin replayed at
 *     another price level, e.g. the illiquid NOT at Kraken's BTC price, must not jump to the top of
 *     the volume ranking); `prevDayPx` is the close 1440 minutes earlier when the series has it
 *     (else the recorded ratio);
 *   - `predictedFundings` keep their rates, with each venue's next funding time moved to its next
 *     interval boundary after v (the recorded 2026 times would sit in the replay's future or past);
 *   - `l2Book` keeps the recorded DYDX book's shape: each level's offset from the mid as a ratio and
 *     its notional, around the coin's mid.
 * Coins the replay does not play keep their recorded contexts (only predicted funding times move).
 *
 * Pure over its inputs (the candle source and the recorded answers); server.ts answers with it and
 * test/node/replay-one-market.test.ts checks the rule at every minute of a replay run.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HOUR_MS } from "../../core/clock";
import type { CandleSource } from "./candle-source";

interface RecordedCtx {
  funding: string;
  openInterest: string;
  prevDayPx: string;
  dayNtlVlm: string;
  premium?: string | null;
  oraclePx: string;
  markPx: string;
  midPx?: string | null;
  impactPxs?: string[] | null;
  dayBaseVlm: string;
}
interface RecordedUniverseEntry {
  name: string;
  szDecimals: number;
  isDelisted?: boolean;
}
type RecordedMetaAndCtxs = [{ universe: RecordedUniverseEntry[] } & Record<string, unknown>, RecordedCtx[]];
type VenueFunding = [string, { fundingRate: string; nextFundingTime: number; fundingIntervalHours?: number } | null];
type RecordedPredicted = Array<[string, VenueFunding[]]>;
interface BookLevel {
  px: string;
  sz: string;
  n: number;
}
interface RecordedBook {
  coin: string;
  levels: [BookLevel[], BookLevel[]];
  time: number;
}

export interface RecordedMarket {
  metaAndAssetCtxs: RecordedMetaAndCtxs;
  predictedFundings: RecordedPredicted;
  l2Book: RecordedBook;
}

const HL_DIR = fileURLToPath(new URL("../../../test/fixtures/hyperliquid/", import.meta.url));
const readFixture = (name: string): unknown => JSON.parse(readFileSync(HL_DIR + name, "utf8"));

export function loadRecordedMarket(): RecordedMarket {
  return {
    metaAndAssetCtxs: readFixture("metaAndAssetCtxs.json") as RecordedMetaAndCtxs,
    predictedFundings: readFixture("predictedFundings.json") as RecordedPredicted,
    l2Book: readFixture("l2Book_DYDX.json") as RecordedBook,
  };
}

const DAY_MINUTES = 1440;
/** Perp prices carry at most 6 - szDecimals decimals on Hyperliquid. */
const PERP_MAX_DECIMALS = 6;

/** `x` with at most `decimals` decimals, trailing zeros dropped ("97900.0" -> "97900"). */
export function formatPx(x: number, szDecimals: number): string {
  const decimals = Math.max(0, PERP_MAX_DECIMALS - szDecimals);
  const fixed = x.toFixed(decimals);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** `x` rounded to the coin's size decimals, never below one lot (a level always has size). */
function formatSz(x: number, szDecimals: number): string {
  const lot = 10 ** -szDecimals;
  return Math.max(lot, x).toFixed(szDecimals);
}

export interface ReplayMarket {
  /** metaAndAssetCtxs at virtual `vNowMs`: the recorded meta, contexts derived per replayed coin. */
  metaAndAssetCtxs(vNowMs: number): RecordedMetaAndCtxs;
  predictedFundings(vNowMs: number): RecordedPredicted;
  /** Mid per listed perp (mark where the context has no mid), as `allMids` answers. */
  allMids(vNowMs: number): Record<string, string>;
  /** The book of `coin` around its mid, or null for a coin the exchange does not list. */
  l2Book(coin: string, vNowMs: number): RecordedBook | null;
}

export function createReplayMarket(source: CandleSource, recorded: RecordedMarket = loadRecordedMarket()): ReplayMarket {
  const [meta, ctxs] = recorded.metaAndAssetCtxs;
  const indexOf = new Map(meta.universe.map((u, i) => [u.name, i]));

  /** The context of universe entry `i` at `vNowMs`. */
  function ctxAt(i: number, vNowMs: number): RecordedCtx {
    const u = meta.universe[i] as RecordedUniverseEntry;
    const rec = ctxs[i] as RecordedCtx;
    if (u.isDelisted || !source.replays(u.name)) return rec;
    const price = source.priceAt(u.name, vNowMs);
    if (!price) return rec;
    const px = Number(price.px);
    const ratio = px / Number(rec.markPx);
    const scaled = (v: string) => formatPx(Number(v) * ratio, u.szDecimals);
    const dayAgo = source.candle(u.name, source.indexAt(price.candle.t) - DAY_MINUTES);
    return {
      ...rec,
      markPx: formatPx(px, u.szDecimals),
      oraclePx: scaled(rec.oraclePx),
      midPx: rec.midPx == null ? rec.midPx : scaled(rec.midPx),
      impactPxs: rec.impactPxs == null ? rec.impactPxs : rec.impactPxs.map(scaled),
      prevDayPx: dayAgo ? formatPx(Number(dayAgo.c), u.szDecimals) : scaled(rec.prevDayPx),
    };
  }

  return {
    metaAndAssetCtxs(vNowMs) {
      return [meta, ctxs.map((_, i) => ctxAt(i, vNowMs))];
    },

    predictedFundings(vNowMs) {
      return recorded.predictedFundings.map(([coin, venues]) => [
        coin,
        venues.map(([venue, value]): VenueFunding => {
          if (!value) return [venue, value];
          const interval = (value.fundingIntervalHours ?? 1) * HOUR_MS;
          return [venue, { ...value, nextFundingTime: (Math.floor(vNowMs / interval) + 1) * interval }];
        }),
      ]);
    },

    allMids(vNowMs) {
      const out: Record<string, string> = {};
      meta.universe.forEach((u, i) => {
        if (u.isDelisted) return;
        const ctx = ctxAt(i, vNowMs);
        out[u.name] = ctx.midPx ?? ctx.markPx;
      });
      return out;
    },

    l2Book(coin, vNowMs) {
      const i = indexOf.get(coin);
      if (i === undefined) return null;
      const u = meta.universe[i] as RecordedUniverseEntry;
      const ctx = ctxAt(i, vNowMs);
      const mid = Number(ctx.midPx ?? ctx.markPx);
      const [recBids, recAsks] = recorded.l2Book.levels;
      const recMid = (Number(recBids[0]?.px) + Number(recAsks[0]?.px)) / 2;
      const side = (levels: BookLevel[]): BookLevel[] => {
        const merged: BookLevel[] = [];
        for (const level of levels) {
          const pxNum = (mid * Number(level.px)) / recMid;
          const px = formatPx(pxNum, u.szDecimals);
          const szNum = (Number(level.sz) * Number(level.px)) / pxNum;
          const last = merged.at(-1);
          // Two recorded levels can round to one price tick: one level, as the exchange aggregates.
          if (last && last.px === px) {
            last.sz = formatSz(Number(last.sz) + szNum, u.szDecimals);
            last.n += level.n;
          } else merged.push({ px, sz: formatSz(szNum, u.szDecimals), n: level.n });
        }
        return merged;
      };
      return { coin, time: Math.floor(vNowMs), levels: [side(recBids), side(recAsks)] };
    },
  };
}

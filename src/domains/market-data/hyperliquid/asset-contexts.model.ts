/**
 * Pure pairing of `metaAndAssetCtxs` (universe[i] with ctx[i], never one array filtered alone) and
 * `predictedFundings` into compact context rows for listed perps.
 */
import { z } from "zod";
import type { AssetCtxRow } from "./asset-contexts.tables";
import type { MetaAndAssetCtxs, PredictedFundings } from "./info-wire.model";

export const PredictedFundingSchema = z.object({
  venue: z.string(),
  fundingRate: z.string(),
  nextFundingTimeMs: z.number().int(),
  intervalHours: z.number().int().nullable(),
});
export type PredictedFunding = z.infer<typeof PredictedFundingSchema>;

/** Predicted fundings by coin; venues that answered null are left out. */
export function predictedByCoin(predicted: PredictedFundings): Map<string, PredictedFunding[]> {
  const out = new Map<string, PredictedFunding[]>();
  for (const [coin, venues] of predicted) {
    const list: PredictedFunding[] = [];
    for (const [venue, value] of venues) {
      if (value) {
        list.push({
          venue,
          fundingRate: value.fundingRate,
          nextFundingTimeMs: value.nextFundingTime,
          intervalHours: value.fundingIntervalHours ?? null,
        });
      }
    }
    out.set(coin, list);
  }
  return out;
}

/** One row per listed perp, paired by index; delisted perps carry no live context and are skipped. */
export function contextRows(
  [meta, ctxs]: MetaAndAssetCtxs,
  predicted: PredictedFundings,
  bucketMs: number,
  polledAtMs: number,
): AssetCtxRow[] {
  const byCoin = predictedByCoin(predicted);
  const rows: AssetCtxRow[] = [];
  meta.universe.forEach((asset, i) => {
    const ctx = ctxs[i];
    if (!ctx || asset.isDelisted) return;
    rows.push({
      symbol: asset.name,
      bucketMs,
      polledAtMs,
      fundingRate: ctx.funding,
      markPx: ctx.markPx,
      oraclePx: ctx.oraclePx,
      midPx: ctx.midPx ?? null,
      openInterest: ctx.openInterest,
      dayNtlVlm: ctx.dayNtlVlm,
      premium: ctx.premium ?? null,
      predictedJson: JSON.stringify(byCoin.get(asset.name) ?? []),
    });
  });
  return rows;
}

/** A coin's mark as last observed: the prices of one contexts poll and when that poll observed them. */
export interface MarkObservation {
  symbol: string;
  markPx: string;
  oraclePx: string;
  midPx: string | null;
  fundingRate: string;
  observedAtMs: number;
}

/**
 * Default oldest acceptable mark (issue 24, item 6): a minute's poll cadence plus half a minute of
 * slack for a late tick. Marking or liquidating on an older mark would act on a price the market has
 * left; callers take their own setting and fall back to this.
 */
export const DEFAULT_MARK_MAX_AGE_MS = 90_000;

export type FreshMark =
  | { ok: true; mark: MarkObservation; ageMs: number }
  | { ok: false; reason: "missing"; symbol: string }
  | { ok: false; reason: "stale"; symbol: string; ageMs: number; maxAgeMs: number; observedAtMs: number };

/**
 * Whether `mark` may be used at `nowMs`: present and at most `maxAgeMs` old. A mark observed after
 * `nowMs` (a replay reading the past) counts as age 0. The refusal says why, for the caller's report.
 */
export function freshMark(
  symbol: string,
  mark: MarkObservation | undefined,
  nowMs: number,
  maxAgeMs: number = DEFAULT_MARK_MAX_AGE_MS,
): FreshMark {
  if (!mark) return { ok: false, reason: "missing", symbol };
  const ageMs = Math.max(0, nowMs - mark.observedAtMs);
  if (ageMs > maxAgeMs) return { ok: false, reason: "stale", symbol, ageMs, maxAgeMs, observedAtMs: mark.observedAtMs };
  return { ok: true, mark, ageMs };
}

/**
 * Pure pairing of `metaAndAssetCtxs` (universe[i] with ctx[i], never one array filtered alone) and
 * `predictedFundings` into compact context rows for listed perps.
 */
import { z } from "zod";
import type { AssetCtxRow } from "./asset-contexts.tables";
import type { MetaAndAssetCtxs, PredictedFundings } from "./info.schemas";

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

/**
 * Pure mapping from the exchange's metadata to asset registry rows. Perps come from
 * `metaAndAssetCtxs[0].universe` (asset id = index), spot pairs from `spotMeta.universe`
 * (asset id = 10000 + pair index; `@107` is displayed as `HYPE/USDC` from the token list).
 * Perps carry every channel; spot carries every channel except funding.
 */
import type { hyperliquidAssets } from "./assets.tables";
import type { MetaAndAssetCtxs, SpotMeta } from "./info-wire.model";
import { classify, TAXONOMY_VERSION } from "./taxonomy.data";

export type NewAssetRow = typeof hyperliquidAssets.$inferInsert;

export const SPOT_ASSET_ID_OFFSET = 10_000;

function capabilities(kind: "perp" | "spot") {
  return {
    capOhlcv1m: true,
    capOhlcv1h: true,
    capFunding: kind === "perp",
    capRsi: true,
    capBollinger: true,
    capSma: true,
    capEma: true,
    capMacd: true,
  };
}

function taxonomyColumns(name: string) {
  const entry = classify(name);
  return { category: entry.category, subcategoriesJson: JSON.stringify(entry.subcategories), taxonomyVersion: TAXONOMY_VERSION };
}

/** Registry rows for every perp in the universe (delisted ones included, flagged). */
export function perpRows(meta: MetaAndAssetCtxs[0], spot: SpotMeta, nowMs: number): NewAssetRow[] {
  const collateral = spot.tokens.find((t) => t.index === (meta.collateralToken ?? 0))?.name ?? "USDC";
  return meta.universe.map((u, index) => ({
    symbol: u.name,
    assetId: index,
    kind: "perp" as const,
    displayName: u.name,
    baseToken: u.name,
    quoteToken: collateral,
    szDecimals: u.szDecimals,
    maxLeverage: u.maxLeverage,
    marginTableId: u.marginTableId ?? null,
    onlyIsolated: u.onlyIsolated === true || u.marginMode === "strictIsolated" || u.marginMode === "noCross",
    isDelisted: u.isDelisted === true,
    ...taxonomyColumns(u.name),
    ...capabilities("perp"),
    firstSeenAtMs: nowMs,
    updatedAtMs: nowMs,
  }));
}

/** Registry rows for every spot pair whose tokens are in the token list (others are skipped). */
export function spotRows(spot: SpotMeta, nowMs: number): NewAssetRow[] {
  const tokens = new Map(spot.tokens.map((t) => [t.index, t]));
  const rows: NewAssetRow[] = [];
  for (const pair of spot.universe) {
    const base = tokens.get(pair.tokens[0]);
    const quote = tokens.get(pair.tokens[1]);
    if (!base || !quote) continue;
    rows.push({
      symbol: pair.name,
      assetId: SPOT_ASSET_ID_OFFSET + pair.index,
      kind: "spot",
      displayName: `${base.name}/${quote.name}`,
      baseToken: base.name,
      quoteToken: quote.name,
      szDecimals: base.szDecimals,
      maxLeverage: null,
      marginTableId: null,
      onlyIsolated: false,
      isDelisted: false,
      ...taxonomyColumns(base.name),
      ...capabilities("spot"),
      firstSeenAtMs: nowMs,
      updatedAtMs: nowMs,
    });
  }
  return rows;
}

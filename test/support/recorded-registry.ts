/**
 * The asset registry built from the recorded exchange answers (metaAndAssetCtxs.json, spotMeta.json)
 * with the registry's own mapping, for pure unit tests of the strategy compiler. Integration tests
 * seed D1 through the `market-data.refresh-assets` job instead.
 */
import { type Asset, toAsset } from "../../src/domains/market-data";
import type { HyperliquidAssetRow } from "../../src/domains/market-data/hyperliquid/assets.tables";
import { MetaAndAssetCtxsSchema, SpotMetaSchema } from "../../src/domains/market-data/hyperliquid/info-wire.model";
import { perpRows, spotRows } from "../../src/domains/market-data/hyperliquid/registry.model";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";
import spotMeta from "../fixtures/hyperliquid/spotMeta.json";

export function recordedRegistry(): Map<string, Asset> {
  const [meta] = MetaAndAssetCtxsSchema.parse(metaAndAssetCtxs);
  const spot = SpotMetaSchema.parse(spotMeta);
  const rows = [...perpRows(meta, spot, 0), ...spotRows(spot, 0)] as HyperliquidAssetRow[];
  return new Map(rows.map((r) => [r.symbol, toAsset(r)]));
}

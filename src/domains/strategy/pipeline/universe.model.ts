/**
 * Asset selection -> the effective trade universe. Several selections feeding one trading prompt merge
 * their lists first, then: explicit disable beats everything, explicit enable beats categories, and
 * categories/subcategories select only listed (not delisted) assets. Each entry carries why it was
 * selected, display metadata and trading/context support flags from the registry. Pure; sorted by symbol.
 */
import { type Asset, HYPERLIQUID_CHANNELS, supportsChannel } from "../../market-data";
import type { AssetSelectionConfig } from "./configs.model";
import type { Registry } from "./graph.validate";
import type { SelectionSource, UniverseEntry } from "./plan.model";

/** The union of the selections' lists, with the precedence rules applied. */
export function effectiveUniverse(selections: readonly AssetSelectionConfig[], registry: Registry): UniverseEntry[] {
  const categories = new Set(selections.flatMap((s) => s.highLevelCategories));
  const subcategories = new Set(selections.flatMap((s) => s.subcategories));
  const enabled = new Set(selections.flatMap((s) => s.explicitlyEnabledSymbols));
  const disabled = new Set(selections.flatMap((s) => s.explicitlyDisabledSymbols));

  const picked = new Map<string, { asset: Asset; source: SelectionSource }>();
  if (categories.size > 0 || subcategories.size > 0) {
    for (const asset of registry.values()) {
      if (asset.isDelisted) continue;
      if (categories.has(asset.category)) picked.set(asset.symbol, { asset, source: "category" });
      else if (asset.subcategories.some((s) => subcategories.has(s))) picked.set(asset.symbol, { asset, source: "subcategory" });
    }
  }
  for (const symbol of enabled) {
    const asset = registry.get(symbol);
    if (asset) picked.set(symbol, { asset, source: "explicit_enable" });
  }
  for (const symbol of disabled) picked.delete(symbol);

  return [...picked.values()]
    .sort((a, b) => (a.asset.symbol < b.asset.symbol ? -1 : a.asset.symbol > b.asset.symbol ? 1 : 0))
    .map(({ asset, source }) => ({
      symbol: asset.symbol,
      displayName: asset.displayName,
      kind: asset.kind,
      category: asset.category,
      subcategories: asset.subcategories,
      selectionSource: source,
      tradingSupported: !asset.isDelisted,
      contextSupported: !asset.isDelisted && HYPERLIQUID_CHANNELS.some((c) => supportsChannel(asset, c)),
    }));
}

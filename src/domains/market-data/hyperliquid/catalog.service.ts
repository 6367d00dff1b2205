/**
 * Read side of the registry for the client API: categories with subcategory counts, and assets
 * filtered by category, subcategory, kind and delisting. A few hundred rows: filtered in code.
 */
import type { Db } from "../../../db/client";
import type { Asset } from "./assets.model";
import { listAssets } from "./assets.service";
import { CATEGORIES, type CategoryId, TAXONOMY_VERSION } from "./taxonomy.data";

export interface CategorySummary {
  id: CategoryId;
  label: string;
  assetCount: number;
  subcategories: Array<{ name: string; assetCount: number }>;
}

/** Every category of the taxonomy with the count of listed assets in it (and per subcategory). */
export async function listCategories(db: Db): Promise<{ taxonomyVersion: string; categories: CategorySummary[] }> {
  const assets = await listAssets(db);
  const categories = (Object.keys(CATEGORIES) as CategoryId[]).map((id) => {
    const members = assets.filter((a) => a.category === id);
    const subs = new Map<string, number>();
    for (const asset of members) for (const sub of asset.subcategories) subs.set(sub, (subs.get(sub) ?? 0) + 1);
    return {
      id,
      label: CATEGORIES[id],
      assetCount: members.length,
      subcategories: [...subs].map(([name, assetCount]) => ({ name, assetCount })).sort((a, b) => a.name.localeCompare(b.name)),
    };
  });
  return { taxonomyVersion: TAXONOMY_VERSION, categories };
}

export interface AssetFilter {
  category?: string;
  subcategory?: string;
  kind?: "perp" | "spot";
  includeDelisted?: boolean;
}

/** Assets matching every given filter, ordered by symbol. */
export async function queryAssets(db: Db, filter: AssetFilter): Promise<Asset[]> {
  const assets = await listAssets(db, { includeDelisted: filter.includeDelisted ?? false });
  return assets.filter(
    (a) =>
      (filter.category === undefined || a.category === filter.category) &&
      (filter.subcategory === undefined || a.subcategories.includes(filter.subcategory)) &&
      (filter.kind === undefined || a.kind === filter.kind),
  );
}

/**
 * Asset search for the graph builder's asset-selection node (`GET /api/v1/assets`, routed by the
 * strategy domain): a case-insensitive substring match on symbol, display name and base token, the
 * taxonomy filters `category` and `sector` (a taxonomy subcategory), facet counts, and keyset paging
 * by symbol. Listed assets only (a selection ignores delisted ones unless named explicitly).
 * Facets are disjunctive: category counts apply the query and the sector filter but not the category
 * filter, sector counts the other way round, so a builder can show what each choice would give.
 * The registry is a few hundred rows: read once and filtered in code, like catalog.service.ts.
 */
import type { Db } from "../../../db/client";
import type { Asset } from "./assets.model";
import { listAssets } from "./assets.service";

export interface AssetSearchParams {
  query?: string;
  category?: string;
  sector?: string;
  limit: number;
  /** Exclusive: the last symbol of the previous page. */
  afterSymbol?: string;
}

export interface AssetSearchResult {
  assets: Asset[];
  /** Matches of every filter (all pages). */
  total: number;
  /** The last symbol of this page when more follow. */
  nextAfterSymbol: string | null;
  facets: { categories: Array<{ id: string; count: number }>; sectors: Array<{ name: string; count: number }> };
}

const count = (values: Iterable<string>) => {
  const out = new Map<string, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};

/** Pure search over registry assets; pages in symbol order (UTF-16 code unit order, the keyset). */
export function searchAssetList(assets: readonly Asset[], params: AssetSearchParams): AssetSearchResult {
  const needle = params.query?.trim().toLowerCase() ?? "";
  const ordered = [...assets].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const matched = needle
    ? ordered.filter((a) => [a.symbol, a.displayName, a.baseToken].some((s) => s.toLowerCase().includes(needle)))
    : ordered;
  const inCategory = (a: Asset) => params.category === undefined || a.category === params.category;
  const inSector = (a: Asset) => params.sector === undefined || a.subcategories.includes(params.sector);
  const filtered = matched.filter((a) => inCategory(a) && inSector(a));
  const after = params.afterSymbol;
  const rest = after === undefined ? filtered : filtered.filter((a) => a.symbol > after);
  const page = rest.slice(0, params.limit);
  return {
    assets: page,
    total: filtered.length,
    nextAfterSymbol: rest.length > page.length ? (page.at(-1)?.symbol ?? null) : null,
    facets: {
      categories: count(matched.filter(inSector).map((a) => a.category)).map(([id, n]) => ({ id, count: n })),
      sectors: count(matched.filter(inCategory).flatMap((a) => a.subcategories)).map(([name, n]) => ({ name, count: n })),
    },
  };
}

/** The search over the stored registry (listed assets). */
export async function searchAssets(db: Db, params: AssetSearchParams): Promise<AssetSearchResult> {
  return searchAssetList(await listAssets(db), params);
}

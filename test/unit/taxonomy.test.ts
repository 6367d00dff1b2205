/** Every asset in the recorded fixtures has a curated category; unknown listings fall back explicitly. */
import { describe, expect, it } from "vitest";
import { ASSET_TAXONOMY, CATEGORIES, classify } from "../../src/domains/market-data/hyperliquid/taxonomy.data";
import meta from "../fixtures/hyperliquid/meta.json";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";
import spotMeta from "../fixtures/hyperliquid/spotMeta.json";

const perpNames = [
  ...(metaAndAssetCtxs as unknown as [{ universe: Array<{ name: string }> }])[0].universe.map((u) => u.name),
  ...meta.universe.map((u) => u.name),
];
const spotTokens = new Map(spotMeta.tokens.map((t) => [t.index, t.name]));
const spotBases = spotMeta.universe.map((p) => spotTokens.get(p.tokens[0] as number) ?? `missing token ${p.tokens[0]}`);

describe("taxonomy", () => {
  it.each([...new Set([...perpNames, ...spotBases])])("categorizes %s", (name) => {
    const entry = classify(name);
    expect(entry.category).not.toBe("uncategorized");
    expect(entry.subcategories.length).toBeGreaterThan(0);
  });

  it("uses only declared categories", () => {
    for (const entry of Object.values(ASSET_TAXONOMY)) expect(Object.keys(CATEGORIES)).toContain(entry.category);
  });

  it("falls back to uncategorized for a new listing", () => {
    expect(classify("SOMENEWCOIN")).toEqual({ category: "uncategorized", subcategories: [] });
  });
});

/** A one-asset market and account for paper-engine tests and the bench (pure; no workerd APIs). */
import { createPaperEngine } from "../../src/domains/trading/engine.model";
import type { AssetSpec, Market } from "../../src/domains/trading/market.model";

export const BTC_ONE_TIER: AssetSpec = {
  symbol: "BTC",
  kind: "perp",
  szDecimals: 5,
  maxLeverage: 40,
  marginTiers: [{ lowerBound: "0", maxLeverage: 40 }],
  isDelisted: false,
};

/** BTC quoted at `px` (mark = mid) observed at `t`. */
export const btcMarket = (t: number, px = "60000"): Market => ({
  assets: { BTC: BTC_ONE_TIER },
  quotes: { BTC: { symbol: "BTC", markPx: px, midPx: px, pxAtMs: t } },
});

/** A 10,000 USD sandbox allowed to trade BTC for an hour from `t0`. */
export const btcAccount = (t0: number, accountId = "x") =>
  createPaperEngine(
    {
      accountId,
      cloneId: "c",
      ownerId: "o",
      kind: "sandbox",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: t0,
      endMs: t0 + 3_600_000,
      allowedSymbols: ["BTC"],
    },
    t0,
  );

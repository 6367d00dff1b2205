/**
 * Hourly funding on the stand-in exchange by itself: at every full hour of the REPLAY clock, every
 * account holding a position is settled one funding interval (exchange-endpoint.ts `settleFunding`:
 * usdc = −szi × replay mid × rate, booked to the balance, listed by `userFunding` in the real shape with
 * the zero hash, pushed on the WebSocket `user` channel) at the hour as settlement time.
 *
 * Rates are the recorded ones the replay exchange already serves: each coin's `funding` in the recorded
 * `metaAndAssetCtxs` (test/fixtures/hyperliquid/metaAndAssetCtxs.json; market.ts keeps them as
 * recorded), the exchange's hourly rate. Hours that passed before the first tick are not settled (no
 * position existed in them); a tick that skipped hours (a fast replay) settles each of them, at most
 * `MAX_HOURS_PER_TICK`. `settleFunding` skips a (user, coin, time) already settled, so a repeated tick
 * pays nothing twice. Driven by server.ts's push loop (`hourlyFunding` option).
 */
import { HOUR_MS } from "../../core/clock";
import type { StandInExchange } from "./exchange-endpoint";

const MAX_HOURS_PER_TICK = 48;

/** Each recorded coin's hourly funding rate, by name. */
export function recordedFundingRates(metaAndAssetCtxs: [{ universe: Array<{ name: string }> }, Array<{ funding: string }>]) {
  const [meta, ctxs] = metaAndAssetCtxs;
  const rates: Record<string, string> = {};
  meta.universe.forEach((asset, i) => {
    const rate = ctxs[i]?.funding;
    if (rate !== undefined) rates[asset.name] = rate;
  });
  return rates;
}

/** A funding clock over `exchange`: call `tick(virtualNowMs)` as often as you like. */
export function createHourlyFunding(exchange: StandInExchange, rates: Record<string, string>) {
  let lastHourMs: number | undefined;
  let settlements = 0;
  return {
    tick(virtualNowMs: number): number {
      const hour = Math.floor(virtualNowMs / HOUR_MS) * HOUR_MS;
      if (lastHourMs === undefined || hour < lastHourMs) {
        lastHourMs = hour;
        return 0;
      }
      let made = 0;
      for (let t = Math.max(lastHourMs + HOUR_MS, hour - (MAX_HOURS_PER_TICK - 1) * HOUR_MS); t <= hour; t += HOUR_MS)
        for (const user of exchange.usersWithPositions()) made += exchange.settleFunding(user, t, rates).length;
      lastHourMs = hour;
      settlements += made;
      return made;
    },
    /** Settlements made so far (for /control/state). */
    get settlements() {
      return settlements;
    },
  };
}

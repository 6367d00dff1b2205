/**
 * Turns the stream of 1-minute candle updates (WebSocket pushes and candleSnapshot backfills) into
 * closed candles, per coin, without duplicates:
 *   - the forming candle is kept in memory; a push with the same `t` replaces it (latest wins);
 *   - a push with a larger `t` closes it;
 *   - a candle older than the forming one but newer than the last closed one (a backfilled minute)
 *     is closed directly;
 *   - a minute already closed is ignored (duplicate or late): everything up to `floorT` is done, and
 *     minutes closed above it while a backfill is outstanding are remembered individually, so live
 *     closes during a backfill never hide the older minutes the backfill brings;
 *   - minutes without trades: the socket pushes nothing for them and snapshots omit them, so once
 *     no backfill is outstanding a closed minute moves the floor to itself, past any skipped minute
 *     (the live socket delivers minutes in order: a skipped one had no trade). No-trade minutes are
 *     therefore ABSENT, never synthesized (doc/domains/market-data.md, "Minutes with no trades");
 *   - the forming candle closes by time once a message proves the socket alive after its `T`.
 * After a disconnect the forming candle is dropped (its last state may be incomplete) so the
 * backfill supplies its final version. Pure: no I/O, no clock.
 */
import { MINUTE_MS } from "../../../../core/clock";
import type { WireCandle } from "../info-wire.model";

interface CoinState {
  /** Every minute at or before this open time is closed (undefined: nothing known yet). */
  floorT: number | undefined;
  /** Minutes closed above `floorT` (live closes racing a backfill). */
  closedAbove: Set<number>;
  forming: WireCandle | undefined;
  /** True from (re)connect until a backfill of this coin succeeded: live closes may skip real gaps. */
  backfillOutstanding: boolean;
}

export class CandleAssembler {
  private readonly coins = new Map<string, CoinState>();

  /** Starts tracking `coin`, resuming after `floorT` (the newest stored minute) when known. */
  track(coin: string, floorT?: number): void {
    if (!this.coins.has(coin)) this.coins.set(coin, { floorT, closedAbove: new Set(), forming: undefined, backfillOutstanding: true });
  }

  untrack(coin: string): void {
    this.coins.delete(coin);
  }

  tracks(coin: string): boolean {
    return this.coins.has(coin);
  }

  private isClosed(state: CoinState, t: number): boolean {
    return (state.floorT !== undefined && t <= state.floorT) || state.closedAbove.has(t);
  }

  private markClosed(state: CoinState, t: number): void {
    if (!state.backfillOutstanding) {
      // In-order live close with the gap below it already backfilled: skipped minutes had no trade.
      if (state.floorT === undefined || t > state.floorT) state.floorT = t;
      return;
    }
    if (state.floorT !== undefined && t === state.floorT + MINUTE_MS) {
      state.floorT = t;
      while (state.closedAbove.delete(state.floorT + MINUTE_MS)) state.floorT += MINUTE_MS;
    } else {
      state.closedAbove.add(t);
    }
  }

  /** A live push: returns the candles it closed. Untracked coins are the caller's concern. */
  push(candle: WireCandle): WireCandle[] {
    const state = this.coins.get(candle.s);
    if (!state || this.isClosed(state, candle.t)) return [];
    const forming = state.forming;
    if (!forming || candle.t === forming.t) {
      state.forming = candle;
      return [];
    }
    if (candle.t > forming.t) {
      state.forming = candle;
      this.markClosed(state, forming.t);
      return [forming];
    }
    // Older than the forming minute and not closed yet: a missing minute.
    this.markClosed(state, candle.t);
    return [candle];
  }

  /**
   * A candleSnapshot answer (oldest first) covering everything after `backfillStart`. Minutes before
   * the newest are closed; the newest may still be forming and is merged like a push unless the live
   * socket already holds that minute. Afterwards every minute up to the newest closed one is done.
   */
  backfill(coin: string, candles: readonly WireCandle[]): WireCandle[] {
    const state = this.coins.get(coin);
    if (!state) return [];
    const sorted = candles.filter((c) => c.s === coin).sort((a, b) => a.t - b.t);
    const closed: WireCandle[] = [];
    sorted.forEach((candle, i) => {
      if (this.isClosed(state, candle.t)) return;
      if (state.forming && candle.t === state.forming.t) return; // the live socket's version wins
      if (i === sorted.length - 1 || (state.forming && candle.t > state.forming.t)) {
        closed.push(...this.push(candle));
        return;
      }
      this.markClosed(state, candle.t);
      closed.push(candle);
    });
    // The snapshot covered the range: fold the individually closed minutes into the floor.
    const newest = Math.max(state.floorT ?? Number.NEGATIVE_INFINITY, ...state.closedAbove);
    if (Number.isFinite(newest)) {
      state.floorT = newest;
      state.closedAbove.clear();
    }
    state.backfillOutstanding = false;
    return closed;
  }

  /** Closes forming candles whose `T` lies more than `graceMs` before `aliveAtMs` (a message time). */
  closeExpired(aliveAtMs: number, graceMs: number): WireCandle[] {
    const closed: WireCandle[] = [];
    for (const state of this.coins.values()) {
      const forming = state.forming;
      if (forming && forming.T + graceMs < aliveAtMs) {
        state.forming = undefined;
        this.markClosed(state, forming.t);
        closed.push(forming);
      }
    }
    return closed;
  }

  /** Drops every forming candle (after a disconnect: their last state may be incomplete); every coin needs a backfill again. */
  dropForming(): void {
    for (const state of this.coins.values()) {
      state.forming = undefined;
      state.backfillOutstanding = true;
    }
  }

  /** Most minutes remembered above the floor by any coin (grows only while a backfill is outstanding). */
  closedAboveMax(): number {
    let max = 0;
    for (const state of this.coins.values()) max = Math.max(max, state.closedAbove.size);
    return max;
  }

  /** Where a backfill of `coin` starts: the minute after the closed floor, else `fallbackMs`. */
  backfillStart(coin: string, fallbackMs: number): number {
    const floor = this.coins.get(coin)?.floorT;
    return floor === undefined ? fallbackMs : floor + MINUTE_MS;
  }
}

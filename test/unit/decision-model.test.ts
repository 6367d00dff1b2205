/**
 * The decision model's pure parts: the run transition table (every allowed and forbidden move), slots,
 * proposal validation with server-stamped fields, the cost formula, and rules-v1's documented rules.
 */
import { describe, expect, it } from "vitest";
import {
  costMicroUsd,
  type DecisionPacket,
  RUN_STATUSES,
  RUN_TRANSITIONS,
  slotOf,
  toDecisionAction,
  transitionRun,
} from "../../src/domains/decision/decision.model";
import { rulesV1, venuePrice } from "../../src/domains/decision/engines";
import { indicatorSnapshotOf } from "../../src/domains/decision/packet-view.model";
import { emptyAccountSummary, type PositionView } from "../../src/domains/trading";
import { UPTREND } from "../support/decision-ports";

describe("run transitions", () => {
  const allowed = new Set(Object.entries(RUN_TRANSITIONS).flatMap(([from, tos]) => Object.keys(tos).map((to) => `${from}->${to}`)));
  for (const from of RUN_STATUSES) {
    for (const to of RUN_STATUSES) {
      it(`${from} -> ${to} is ${allowed.has(`${from}->${to}`) ? "allowed" : "refused"}`, () => {
        const result = transitionRun(from, to);
        expect(result.ok).toBe(allowed.has(`${from}->${to}`));
      });
    }
  }
  it("has terminal statuses that never move", () => {
    expect(RUN_TRANSITIONS.succeeded).toEqual({});
    expect(RUN_TRANSITIONS.failed).toEqual({});
    expect(RUN_TRANSITIONS.skipped).toEqual({});
  });
});

describe("slots", () => {
  it("buckets by cadence from the epoch", () => {
    const t = Date.UTC(2026, 10, 29, 14, 7, 31);
    expect(slotOf(t, 60)).toBe(Date.UTC(2026, 10, 29, 14, 7));
    expect(slotOf(t, 300)).toBe(Date.UTC(2026, 10, 29, 14, 5));
    expect(slotOf(t, 3600)).toBe(Date.UTC(2026, 10, 29, 14));
  });
});

describe("proposal validation", () => {
  const stamp = { runId: "run_9", symbol: "BTC", slotMs: 60_000, decidedAtMs: 61_000 };
  it("stamps the server-owned fields over whatever the model wrote", () => {
    const checked = toDecisionAction(
      { symbol: "BTC", action: "open_long", sizeUsd: "100", confidence: 0.5, reason: "x", actionId: "evil", slotMs: 1 },
      stamp,
    );
    expect(checked).toMatchObject({
      ok: true,
      action: { actionId: "act_run_9", slotMs: 60_000, decisionRunId: "run_9", decidedAtMs: 61_000 },
    });
    // Issue 24 item 7: no leverage in the answer means none in the action (the engine keeps the position's).
    expect(checked.ok && checked.action.leverage).toBeUndefined();
  });
  it("refuses another symbol, a non-object, unknown actions and both size fields", () => {
    expect(toDecisionAction({ symbol: "ETH", action: "hold", confidence: 1, reason: "" }, stamp).ok).toBe(false);
    expect(toDecisionAction("open_long", stamp).ok).toBe(false);
    expect(toDecisionAction({ action: "yolo", confidence: 1, reason: "" }, stamp).ok).toBe(false);
    expect(toDecisionAction({ action: "open_long", size: "1", sizeUsd: "10", confidence: 1, reason: "" }, stamp).ok).toBe(false);
    expect(toDecisionAction({ action: "open_long", sizeUsd: "10", confidence: 1.5, reason: "" }, stamp).ok).toBe(false);
  });
});

describe("cost", () => {
  it("is tokens x price per million, rounded up to the micro-USD", () => {
    const pricing = { inputMicroUsdPerMTok: 1_250_000, outputMicroUsdPerMTok: 10_000_000 };
    expect(costMicroUsd({ inputTokens: 1_000_000, outputTokens: 0 }, pricing)).toBe(1_250_000);
    expect(costMicroUsd({ inputTokens: 92, outputTokens: 15 }, pricing)).toBe(265); // 115 + 150
    expect(costMicroUsd({ inputTokens: 1, outputTokens: 0 }, pricing)).toBe(2); // 1.25 rounds up
    expect(costMicroUsd({ inputTokens: 0, outputTokens: 0 }, pricing)).toBe(0);
  });
});

describe("rules-v1", () => {
  const T = UPTREND.t;
  const account = emptyAccountSummary({ accountId: "a", cloneId: "c", asOfMs: T, startingBalanceMicroUsd: 10_000_000_000 });
  const packet = (over: Partial<DecisionPacket> = {}): DecisionPacket => ({
    hash: "h",
    cloneId: "c",
    strategyId: "s",
    symbol: "BTC",
    asOfMs: T,
    account: { ...account, checks: { ...account.checks, maxLeverage: 5, maxPositionPctEquity: 50 } },
    venue: { szDecimals: 5, maxLeverage: 40, minNotionalUsd: 10 },
    indicators: UPTREND,
    body: {},
    ...over,
  });
  const position = (szi: string): PositionView => ({
    symbol: "BTC",
    szi,
    entryPx: "93000",
    markPx: "94000",
    leverage: 2,
    marginUsedMicroUsd: 0,
    unrealizedPnlMicroUsd: 0,
    realizedPnlMicroUsd: 0,
    liquidationPx: null,
  });

  it("goes long in an uptrend with 20% of equity at 2x, stop below and take-profit above", () => {
    expect(rulesV1(packet())).toEqual({
      symbol: "BTC",
      action: "open_long",
      sizeUsd: "2000.00",
      leverage: 2,
      stopLossPx: "93295", // 94000 - 1.5 x max(half-width 400, 0.5% = 470)
      takeProfitPx: "95410", // 94000 + 3 x 470
      confidence: 0.6,
      reason: expect.stringContaining("trend entry"),
    });
  });

  it("goes short in a downtrend, holds without a signal or indicators", () => {
    const down = { ...UPTREND, close: 93_600, ema20: 93_800, macdHist: -5, rsi14: 42 };
    expect(rulesV1(packet({ indicators: down })).action).toBe("open_short");
    expect(rulesV1(packet({ indicators: { ...UPTREND, macdHist: -1 } })).action).toBe("hold");
    expect(rulesV1(packet({ indicators: null })).action).toBe("hold");
    expect(rulesV1(packet({ indicators: { ...UPTREND, rsi14: null } })).action).toBe("hold");
  });

  it("does not chase: no long at RSI >= 70; mean-reverts at band extremes without a trend", () => {
    expect(rulesV1(packet({ indicators: { ...UPTREND, rsi14: 72 } })).action).toBe("hold");
    const oversold = { ...UPTREND, close: 93_400, ema20: 93_300, macdHist: -2, rsi14: 25 };
    expect(rulesV1(packet({ indicators: oversold })).action).toBe("open_long");
  });

  it("closes a short when the trend turns up, keeps a long, takes a stretched long's profit", () => {
    const withPos = (szi: string) => packet({ account: { ...packet().account, positions: [position(szi)] } });
    expect(rulesV1(withPos("-0.01")).action).toBe("close");
    expect(rulesV1(withPos("0.01")).action).toBe("hold");
    const stretched = { ...UPTREND, close: 94_400, rsi14: 75 };
    expect(rulesV1({ ...withPos("0.01"), indicators: stretched }).action).toBe("close");
  });

  it("rules-v1: refuses to act on an indicator bar older than one cadence", () => {
    // The bar opened at T closes at T + 60 s; at a 60 s cadence it is stale past T + 120 s.
    expect(rulesV1(packet({ asOfMs: T + 120_000 })).action).toBe("open_long");
    const stale = rulesV1(packet({ asOfMs: T + 121_000 }));
    expect(stale.action).toBe("hold");
    expect(stale.reason).toContain("stale");
    // A 5-minute cadence tolerates a bar up to 5 minutes old.
    expect(rulesV1(packet({ asOfMs: T + 121_000, cadenceSec: 300 })).action).toBe("open_long");
  });

  it("rules-v1: stop/take-profit come from the reference fill price, so they are never on the wrong side", () => {
    // The bar closed at 94,000 but the price ran to 96,000: stops around the close would sit above the fill.
    const long = rulesV1(packet({ referencePx: 96_000 }));
    expect(long).toMatchObject({ action: "open_long", stopLossPx: "95280", takeProfitPx: "97440" }); // 96000 -/+ 1.5/3 x 480
    expect(Number(long.stopLossPx)).toBeLessThan(96_000);
    expect(Number(long.takeProfitPx)).toBeGreaterThan(96_000);
    const down = { ...UPTREND, close: 93_600, ema20: 93_800, macdHist: -5, rsi14: 42 };
    const short = rulesV1(packet({ indicators: down, referencePx: 91_000 }));
    expect(short.action).toBe("open_short");
    expect(Number(short.stopLossPx)).toBeGreaterThan(91_000);
    expect(Number(short.takeProfitPx)).toBeLessThan(91_000);
  });

  it("rules-v1: minimum holding time: a one-bar trend flip does not close a fresh position", () => {
    const fill = { fillId: "f", t: T - 60_000, actionId: "a", symbol: "BTC", side: "sell" as const, sz: "0.01", px: "94000" };
    const withFill = (fillT: number) =>
      packet({
        account: {
          ...packet().account,
          positions: [position("-0.01")],
          recentFills: [{ ...fill, t: fillT, notionalMicroUsd: 0, feeMicroUsd: 0, feeRate: "0", reason: "action" }],
        },
      });
    // Opened a minute ago (60 s cadence, minimum 3 cadences): the uptrend does not close it yet.
    const young = rulesV1(withFill(T - 60_000));
    expect(young.action).toBe("hold");
    expect(young.reason).toContain("younger than 3 cadences");
    // Three cadences later it does.
    expect(rulesV1(withFill(T - 180_000)).action).toBe("close");
  });

  it("caps leverage by venue and account, size by the position limit, and holds below min notional", () => {
    expect(rulesV1(packet({ venue: { szDecimals: 5, maxLeverage: 1, minNotionalUsd: 10 } })).leverage).toBe(1);
    const capped = packet();
    capped.account = { ...capped.account, checks: { ...capped.account.checks, maxPositionPctEquity: 10 } };
    expect(rulesV1(capped).sizeUsd).toBe("950.00");
    const poor = packet();
    poor.account = { ...poor.account, equityMicroUsd: 40_000_000 };
    expect(rulesV1(poor).action).toBe("hold");
  });
});

describe("venue prices", () => {
  it("keeps 5 significant figures within the decimals the size decimals leave", () => {
    expect(venuePrice(93_415.2, 5)).toBe("93415");
    expect(venuePrice(3_412.347, 4)).toBe("3412.3");
    expect(venuePrice(0.0123456, 0)).toBe("0.012346");
    expect(venuePrice(1.234567, 2)).toBe("1.2346");
    expect(venuePrice(123_456.7, 5)).toBe("123457");
  });
});

describe("packet view", () => {
  const s = (channel: string, columns: string[], rows: Array<Array<number | string | null>>, symbol = "BTC", granularity = "1m") => ({
    source: "hyperliquid",
    channel,
    contextSymbol: symbol,
    granularity,
    columns: ["tMs", ...columns],
    rows,
  });
  const full = [
    s(
      "ohlcv_1m",
      ["open", "high", "low", "close", "volume"],
      [
        [60_000, "1", "2", "0.5", "1.5", "10"],
        [120_000, "1.5", "2", "1", "1.8", "12"],
      ],
    ),
    s(
      "rsi",
      ["rsi14"],
      [
        [60_000, 55],
        [120_000, 61],
      ],
    ),
    s(
      "bollinger",
      ["bbUpper", "bbMiddle", "bbLower"],
      [
        [60_000, 2, 1.5, 1],
        [120_000, 2.1, 1.6, 1.1],
      ],
    ),
    s("ema", ["ema20"], [[60_000, 1.4]]),
    s(
      "macd",
      ["macd", "macdSignal", "macdHist"],
      [
        [60_000, 0.1, 0.05, 0.05],
        [120_000, 0.2, 0.1, 0.1],
      ],
    ),
  ];

  it("aligns every channel on the newest bar they all have", () => {
    expect(indicatorSnapshotOf(full, "BTC")).toEqual({
      t: 60_000,
      close: 1.5,
      rsi14: 55,
      bbUpper: 2,
      bbMiddle: 1.5,
      bbLower: 1,
      ema20: 1.4,
      macd: 0.1,
      macdSignal: 0.05,
      macdHist: 0.05,
    });
  });

  it("is null when a channel is missing, belongs to another asset or another granularity", () => {
    expect(indicatorSnapshotOf(full.slice(1), "BTC")).toBeNull();
    expect(indicatorSnapshotOf(full, "ETH")).toBeNull();
    expect(
      indicatorSnapshotOf([...full.slice(0, 3), s("ema", ["ema20"], [[60_000, 1.4]], "BTC", "5m"), full[4] as never], "BTC"),
    ).toBeNull();
  });
});

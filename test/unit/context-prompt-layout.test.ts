/**
 * The Alpha-Arena-grade prompt layout (issue 23 item 9), on the pure section builders and the
 * assembler: the time in words and ISO, the invocation count, series labelled oldest -> newest, the
 * decided asset's snapshot at two horizons (1m and 1h) with open interest and funding, each position's
 * exit plan (stop, take-profit, invalidation condition, previous reason) in USD, and trimming to a tiny
 * budget that keeps the traded asset's own series and the exit plan.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { DecisionMemory } from "../../src/domains/context/context.model";
import { assemblePrompt, type MarketSectionInput, renderMarket } from "../../src/domains/context/prompt.model";
import { accountSection, assetSection, runSection, timeInWords } from "../../src/domains/context/prompt.sections";
import { buildSnapshot } from "../../src/domains/context/snapshot.model";
import { loadTokenizer } from "../../src/domains/context/tokenizer";
import type { Series } from "../../src/domains/market-data";
import { type AccountSummary, emptyAccountSummary } from "../../src/domains/trading";

beforeAll(loadTokenizer);

const AS_OF = Date.UTC(2026, 11, 2, 14, 5, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

function series(
  channel: string,
  granularity: string,
  columns: string[],
  rows: number[][],
  contextSymbol = "BTC",
  source = "hyperliquid",
): Series {
  return {
    source,
    channel,
    contextSymbol,
    granularity,
    fromMs: AS_OF - 60 * MIN,
    asOfMs: AS_OF,
    columns,
    rows,
    dropped: 0,
    valueColumn: columns.at(-1) ?? null,
  };
}

const closes = Array.from({ length: 12 }, (_, i) => [AS_OF - (12 - i) * MIN, 100 + i, 101 + i, 99 + i, 100.5 + i, 3]);
const SERIES: Series[] = [
  series("ohlcv_1m", "1m", ["tMs", "open", "high", "low", "close", "volume"], closes),
  series("ema", "1m", ["tMs", "ema20"], [[AS_OF - MIN, 105.25]]),
  series("macd", "1m", ["tMs", "macd", "macdSignal", "macdHist"], [[AS_OF - MIN, 0.5, 0.25, 0.25]]),
  series("rsi", "1m", ["tMs", "rsi14"], [[AS_OF - MIN, 61.5]]),
  series("ema", "1h", ["tMs", "ema20"], [[AS_OF - 2 * HOUR - 5 * MIN, 98.75]]),
  series("macd", "1h", ["tMs", "macd", "macdSignal", "macdHist"], [[AS_OF - 2 * HOUR - 5 * MIN, -1.5, -1, -0.5]]),
  series("rsi", "1h", ["tMs", "rsi14"], [[AS_OF - 2 * HOUR - 5 * MIN, 44.25]]),
  series(
    "funding",
    "5m",
    ["tMs", "fundingRate", "premium", "markPx", "oraclePx", "openInterest", "dayNtlVlm"],
    [[AS_OF - 5 * MIN, 0.0000125, 0.0001, 111.5, 111.25, 25_432.5, 1e9]],
  ),
];

const account: AccountSummary = {
  ...emptyAccountSummary({ accountId: "acct_1", cloneId: "clone_1", asOfMs: AS_OF, startingBalanceMicroUsd: 10_000_000_000 }),
  positions: [
    {
      symbol: "BTC",
      szi: "0.5",
      entryPx: "100.5",
      markPx: "111.5",
      leverage: 3,
      marginUsedMicroUsd: 18_583_333,
      unrealizedPnlMicroUsd: 5_500_000,
      realizedPnlMicroUsd: 0,
      liquidationPx: "68.25",
    },
  ],
  openOrders: [
    { orderId: "o1", symbol: "BTC", kind: "stop_loss", triggerPx: "95", reduceOnly: true, createdAtMs: AS_OF - 30 * MIN },
    { orderId: "o2", symbol: "BTC", kind: "take_profit", triggerPx: "130", reduceOnly: true, createdAtMs: AS_OF - 30 * MIN },
  ],
  recentFills: [
    {
      fillId: "f1",
      t: AS_OF - 30 * MIN,
      actionId: "act_1",
      symbol: "BTC",
      side: "buy",
      sz: "0.5",
      px: "100.5",
      notionalMicroUsd: 50_250_000,
      feeMicroUsd: 22_612,
      feeRate: "0.00045",
      reason: "action",
    },
  ],
};
const memory: DecisionMemory = {
  invocationCount: 37,
  notes: [
    {
      symbol: "BTC",
      lastAction: "open_long",
      lastReason: "breakout above the 1h range",
      decidedAtMs: AS_OF - 30 * MIN,
      invalidationCondition: "a 1h close back below 99",
    },
  ],
};

describe("prompt sections", () => {
  it("states the time in words and ISO, and the invocation count", () => {
    expect(timeInWords(AS_OF)).toBe("Wednesday 2 December 2026, 14:05 UTC");
    const run = runSection(AS_OF, 37).text;
    expect(run).toContain("Current time: Wednesday 2 December 2026, 14:05 UTC (2026-12-02T14:05:00.000Z).");
    expect(run).toContain("This is decision invocation 37 for this account");
    expect(run).toContain("oldest -> newest");
    expect(runSection(AS_OF, null).text).toContain("Invocation count for this account: not known");
  });

  it("labels every rendering of a series oldest -> newest", () => {
    const input: MarketSectionInput = { id: "market:c", symbol: "BTC", series: SERIES[0] as Series, inclusion: "raw" };
    const raw = renderMarket(input, "raw");
    expect(raw).toContain("rows oldest -> newest, columns: tMs,open,high,low,close,volume");
    const rows = raw.split("\n").filter((l) => /^\d{4}-/.test(l));
    expect(rows[0]?.startsWith("2026-12-02T13:53Z")).toBe(true);
    expect(rows.at(-1)?.startsWith("2026-12-02T14:04Z")).toBe(true);
    expect(renderMarket(input, "summary")).toContain("summary of volume (oldest -> newest) from 2026-12-02T13:53Z");
    const noValue = { ...input, series: { ...(SERIES[0] as Series), valueColumn: null } };
    expect(renderMarket(noValue, "summary")).toContain("newest 5, oldest -> newest:");
  });

  it("shows the decided asset's price, EMA/MACD/RSI at 1m and 1h, open interest and funding", () => {
    const snapshot = buildSnapshot(SERIES, "BTC");
    expect(snapshot.horizons.map((h) => h.granularity)).toEqual(["1m", "1h"]);
    const text = assetSection(snapshot).text;
    expect(text).toContain('<<<section id="asset:BTC" trust="data">>>');
    expect(text).toContain("price: last 1m close=111.5 (bar 2026-12-02T14:04Z) mark=111.5 oracle=111.25");
    expect(text).toContain("1m horizon (bar 2026-12-02T14:04Z): ema20=105.25 macd=0.5 macdSignal=0.25 macdHist=0.25 rsi14=61.5");
    expect(text).toContain("1h horizon (bar 2026-12-02T12:00Z): ema20=98.75 macd=-1.5 macdSignal=-1 macdHist=-0.5 rsi14=44.25");
    expect(text).toContain("open interest=25432.5 funding rate (hourly)=0.0000125 premium=0.0001");
    expect(text).toContain("last 10 1m closes, oldest -> newest: 102.5, 103.5,");
    expect(text).toContain("110.5, 111.5\n");
    // Another asset's series never feed the snapshot.
    expect(buildSnapshot(SERIES, "ETH")).toMatchObject({ closePx: null, openInterest: null, recentCloses: [] });
  });

  it("shows each position in USD with its exit plan and the previous decision's reason, in full and reduced form", () => {
    for (const reduced of [false, true]) {
      const text = accountSection(account, reduced, memory, "BTC").text;
      const json = JSON.parse(text.split("\n")[2] ?? "{}");
      expect(json.positions[0]).toMatchObject({
        symbol: "BTC",
        szi: "0.5",
        entryPx: "100.5",
        leverage: 3,
        liquidationPx: "68.25",
        unrealizedPnlUsd: "5.5",
        exitPlan: {
          stopLossPx: "95",
          takeProfitPx: "130",
          invalidationCondition: "a 1h close back below 99",
          previousDecision: { action: "open_long", reason: "breakout above the 1h range", decidedAt: "2026-12-02T13:35:00.000Z" },
        },
      });
      expect(json.cashUsd).toBe("10000");
      expect(text).not.toContain("MicroUsd");
      expect("recentFills" in json).toBe(!reduced);
    }
    // Flat in the decided symbol: its previous decision is still shown.
    const flat = accountSection({ ...account, positions: [], openOrders: [] }, false, memory, "BTC").text;
    expect(flat).toContain('"decidedSymbol":{"previousDecision":{"action":"open_long"');
  });
});

describe("trimming to a tiny budget", () => {
  it("drops other series first and never the traded asset's own series, the snapshot or the exit plan", () => {
    const markets: MarketSectionInput[] = [
      { id: "market:own", symbol: "BTC", series: SERIES[0] as Series, inclusion: "raw" },
      {
        id: "market:eth",
        symbol: "BTC",
        series: series("ohlcv_1m", "1m", ["tMs", "open", "high", "low", "close", "volume"], closes, "ETH"),
        inclusion: "raw",
      },
      {
        id: "market:tvl",
        symbol: "BTC",
        series: series("tvl", "1d", ["tMs", "valueUsd"], [[AS_OF - HOUR, 1e9]], "chain:Solana", "defillama"),
        inclusion: "raw",
      },
    ];
    const prompt = assemblePrompt({
      head: [runSection(AS_OF, 37), assetSection(buildSnapshot(SERIES, "BTC"))],
      account: { full: accountSection(account, false, memory, "BTC"), reduced: accountSection(account, true, memory, "BTC") },
      markets,
      tail: [],
      budgetTokens: 50,
    });
    expect(prompt.withinBudget).toBe(false);
    const ids = prompt.sections.map((s) => s.id);
    expect(ids).toEqual(["run", "asset:BTC", "account", "market:own"]);
    expect(prompt.sections.find((s) => s.id === "market:own")?.inclusion).toBe("latest");
    expect(prompt.trimmed.filter((t) => t.action === "section_dropped").map((t) => t.sectionId)).toEqual(["market:tvl", "market:eth"]);
    expect(prompt.trimmed.some((t) => t.action === "account_activity_dropped")).toBe(true);
    expect(prompt.text).toContain('"invalidationCondition":"a 1h close back below 99"');
    expect(prompt.text).toContain('"stopLossPx":"95"');
    expect(prompt.text).toContain('"takeProfitPx":"130"');
    expect(prompt.text).toContain("breakout above the 1h range");
  });
});

/**
 * The series model: OHLCV resampling against the fixture's own bars, the bucket-close rule, sampling
 * at the bucket close, the newest-kept cap, and the documented summary statistics.
 */
import { describe, expect, it } from "vitest";
import { resampleBars, sampleAtClose, seriesStats } from "../../src/domains/market-data";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { capNewest, sortRows } from "../../src/domains/market-data/series/series.model";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";

const MIN = 60_000;
const BARS = parseCandleLines(btcText).slice(0, 240);
const T0 = BARS[0]?.openTimeMs as number;

describe("resampling", () => {
  it("aggregates 1m bars into 15m OHLCV and emits only closed buckets", () => {
    const asOf = T0 + 61 * MIN + 10_000; // 01:01:10 past T0
    const rows = resampleBars(BARS, MIN, 15 * MIN, asOf);
    expect(rows.map((r) => r[0])).toEqual([0, 1, 2, 3].map((i) => T0 + i * 15 * MIN));
    const bucket = BARS.slice(15, 30);
    const volume = bucket.reduce((s, b) => s + Number(b.volume), 0);
    expect(rows[1]).toEqual([
      T0 + 15 * MIN,
      Number(bucket[0]?.open),
      Math.max(...bucket.map((b) => Number(b.high))),
      Math.min(...bucket.map((b) => Number(b.low))),
      Number(bucket[14]?.close),
      volume,
    ]);
  });

  it("drops a bar that opened before asOf but closes after it", () => {
    const asOf = T0 + 10 * MIN + 1;
    const rows = resampleBars(BARS, MIN, MIN, asOf);
    expect(rows.at(-1)?.[0]).toBe(T0 + 9 * MIN);
    expect(resampleBars(BARS, MIN, MIN, T0 + 10 * MIN).at(-1)?.[0]).toBe(T0 + 9 * MIN);
  });

  it("samples point values at the bucket close; polls keep the open bucket, indicators do not", () => {
    const rows = [
      [T0 + 1 * MIN, 1],
      [T0 + 4 * MIN, 2],
      [T0 + 6 * MIN, 3],
    ];
    expect(sampleAtClose(rows, 5 * MIN, T0 + 7 * MIN, true)).toEqual([[T0, 2]]);
    expect(sampleAtClose(rows, 5 * MIN, T0 + 7 * MIN, false)).toEqual([
      [T0, 2],
      [T0 + 5 * MIN, 3],
    ]);
  });

  it("caps to the newest rows and orders rows totally", () => {
    const rows = [
      [3, "b"],
      [1, "a"],
      [3, "a"],
      [2, "z"],
    ];
    expect(sortRows(rows)).toEqual([
      [1, "a"],
      [2, "z"],
      [3, "a"],
      [3, "b"],
    ]);
    expect(capNewest(sortRows(rows), 2)).toEqual({
      rows: [
        [3, "a"],
        [3, "b"],
      ],
      dropped: 2,
    });
  });
});

describe("summary statistics", () => {
  it("computes last, change %, min, max, mean, population stdev and the least-squares slope", () => {
    const s = seriesStats({
      columns: ["tMs", "v"],
      valueColumn: "v",
      rows: [
        [0, 2],
        [1, 4],
        [2, null],
        [3, 6],
      ],
    });
    expect(s).toEqual({ points: 3, first: 2, last: 6, changePct: 200, min: 2, max: 6, mean: 4, stdev: Math.sqrt(8 / 3), slopePerPoint: 2 });
    expect(seriesStats({ columns: ["tMs", "v"], valueColumn: "v", rows: [] }).last).toBeNull();
  });
});

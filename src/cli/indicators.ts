/**
 * `npm run indicators -- --input candles.jsonl [--interval 1m|1h]`: reads 1-minute candles in the
 * fixture JSON Lines format and prints one JSON line per bar: `t` (bar open time, ms) and rsi14,
 * bbUpper, bbMiddle, bbLower, sma20, ema20, macd, macdSignal, macdHist (null during warm-up). With
 * `--interval 1h` the minutes are first rolled up into hours by the rollup job's function and every
 * hour that has ended (all but a still-running last hour) is fed, as the 1h indicator job does.
 * The engine is the Worker's (`stepIndicators`), so the figures are the ones stored in D1.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { MINUTE_MS } from "../core/clock";
import { INDICATOR_FIELDS, newIndicatorState, parseCandleLines, rollupHours, stepIndicators } from "../domains/market-data";

const { values } = parseArgs({ options: { input: { type: "string" }, interval: { type: "string", default: "1m" } } });
if (!values.input || (values.interval !== "1m" && values.interval !== "1h")) {
  console.error("usage: npm run indicators -- --input candles.jsonl [--interval 1m|1h]");
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(values.input, "utf8");
} catch (e) {
  console.error(`cannot read ${values.input}: ${(e as Error).message}`);
  process.exit(2);
}
let parsed: ReturnType<typeof parseCandleLines>;
try {
  parsed = parseCandleLines(text);
} catch (e) {
  console.error(`${values.input}: ${(e as Error).message}`);
  process.exit(2);
}
const minutes = parsed.sort((a, b) => a.openTimeMs - b.openTimeMs);
const last = minutes[minutes.length - 1];
const endMs = last ? last.openTimeMs + MINUTE_MS : 0;
const bars =
  values.interval === "1m"
    ? minutes.map((m) => ({ t: m.openTimeMs, close: m.close }))
    : rollupHours(minutes, endMs)
        .filter((h) => h.closeTimeMs < endMs)
        .map((h) => ({ t: h.openTimeMs, close: h.close }));

const state = newIndicatorState();
const out: string[] = [];
for (const bar of bars) {
  const v = stepIndicators(state, Number(bar.close));
  const line: Record<string, number | null> = { t: bar.t };
  for (const field of INDICATOR_FIELDS) line[field] = v[field];
  out.push(JSON.stringify(line));
}
process.stdout.write(out.length ? `${out.join("\n")}\n` : "");

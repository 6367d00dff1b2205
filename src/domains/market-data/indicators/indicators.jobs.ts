/**
 * Cron jobs of the derived market memory. Thin: parse params, call a service, report.
 *   market-data.indicators-1m     every minute: indicators for newly closed 1m candles
 *   market-data.rollup-1h         every 5 minutes: 1h bars of the current and previous hour from 1m candles
 *   market-data.indicators-1h     every 5 minutes, after the rollup: indicators for newly final 1h bars
 *   market-data.archive-candles   hourly: candles past retention to R2, then out of D1
 */
import { z } from "zod";
import { defineJob } from "../../../cron/job";
import { openDb } from "../../../db/client";
import { computeIndicators, type IndicatorInterval } from "./indicators.service";
import { archiveOldCandles } from "./retention.service";
import { rollupCandles1h } from "./rollup.service";

const maxBars = z.coerce.number().int().min(1).max(50_000).optional();

function indicatorsJob(interval: IndicatorInterval) {
  return defineJob({
    name: `market-data.indicators-${interval}`,
    description: `Advances RSI 14, Bollinger 20/2, SMA 20, EMA 20 and MACD 12/26/9 of every indicator-capable asset over new ${interval} bars (persisted incremental state).`,
    params: z.object({ maxBars }),
    async run({ env, deps, params }) {
      const summary = await computeIndicators(openDb(env.DB), { interval, nowMs: deps.clock.nowMs(), maxBars: params.maxBars });
      return { itemsProcessed: summary.barsConsumed, summary: { ...summary } };
    },
  });
}

export const indicators1mJob = indicatorsJob("1m");
export const indicators1hJob = indicatorsJob("1h");

export const rollup1hJob = defineJob({
  name: "market-data.rollup-1h",
  description: "Rolls 1m candles up into 1h bars (current hour partial; final once all 60 minutes are in and the hour is over).",
  params: z.object({
    lookbackHours: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 30)
      .optional(),
  }),
  async run({ env, params, scheduledAtMs }) {
    const summary = await rollupCandles1h(openDb(env.DB), { nowMs: scheduledAtMs, lookbackHours: params.lookbackHours ?? 2 });
    return { itemsProcessed: summary.hoursWritten, summary: { ...summary } };
  },
});

export const archiveCandlesJob = defineJob({
  name: "market-data.archive-candles",
  description:
    "Moves 1m candles older than 24 h and 1h bars older than 7 days to R2 (gzip JSON Lines per symbol per UTC day, indexed in D1), then deletes them from D1.",
  params: z.object({ maxGroups: z.coerce.number().int().min(1).max(5000).optional() }),
  async run({ env, params, scheduledAtMs }) {
    const summary = await archiveOldCandles(openDb(env.DB), env.ARTIFACTS, { nowMs: scheduledAtMs, maxGroups: params.maxGroups });
    return { itemsProcessed: summary.archivedRows, summary: { ...summary } };
  },
});

export const indicatorJobs = [indicators1mJob, rollup1hJob, indicators1hJob, archiveCandlesJob];

/** Wire shapes of the backtest routes (the request and report schemas live in backtest.model.ts). */
import { z } from "@hono/zod-openapi";
import { BacktestEngineSchema, BacktestStatusSchema } from "./backtest.model";

export const BacktestParamsSchema = z.object({ backtestId: z.string().min(1).max(128) });

export const BacktestViewSchema = z
  .object({
    id: z.string(),
    cloneId: z.string(),
    status: BacktestStatusSchema,
    engine: BacktestEngineSchema,
    modelId: z.string(),
    pipelineVersion: z.number().int().openapi({ description: "the clone's stored pipeline version at creation" }),
    fromMs: z.number().int(),
    toMs: z.number().int(),
    stepMs: z.number().int().openapi({ description: "slot step: the smallest enabled cadence" }),
    startingBalanceMicroUsd: z.number().int(),
    slotsTotal: z.number().int(),
    slotsDone: z.number().int(),
    percent: z.number(),
    etaMs: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "remaining run time at the measured slot rate; null before the first chunk" }),
    estimateCostMicroUsd: z.number().int(),
    confirmedCostMicroUsd: z.number().int().nullable(),
    costMicroUsd: z.number().int(),
    reportHash: z.string().nullable(),
    report: z.string().nullable().openapi({ description: "report link once succeeded" }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAtMs: z.number().int(),
    startedAtMs: z.number().int().nullable(),
    finishedAtMs: z.number().int().nullable(),
  })
  .openapi("Backtest");
export type BacktestView = z.infer<typeof BacktestViewSchema>;

export const BacktestListSchema = z.object({ backtests: z.array(BacktestViewSchema) }).openapi("BacktestList");

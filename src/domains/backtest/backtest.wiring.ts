/**
 * Plugs the real collaborators into the backtest's deps: D1, the decision settings (engines and
 * providers), the context deps with a per-invocation series cache, the registry, the artifact store
 * and the `backtests` queue producer. Callers: backtest.routes.ts, src/queues.ts.
 */
import type { AppDeps } from "../../core/deps";
import { openDb } from "../../db/client";
import { artifactStoreFor } from "../artifacts";
import { readDecisionSettings } from "../decision";
import { createSeriesCache } from "../market-data";
import { loadRegistry } from "../strategy";
import { type BacktestDeps, BacktestSettingsSchema } from "./backtest.service";

export function backtestDeps(env: Env, app: AppDeps): BacktestDeps {
  const db = openDb(env.DB);
  return {
    db,
    d1: env.DB,
    ids: app.ids,
    nowMs: () => app.clock.nowMs(),
    settings: { ...readDecisionSettings(env), ...BacktestSettingsSchema.parse(env) },
    context: { db, series: createSeriesCache() },
    registry: () => loadRegistry(db),
    artifacts: artifactStoreFor(env as unknown as Record<string, unknown> & { ARTIFACTS: R2Bucket }),
    enqueue: async (backtestId) => {
      await env.BACKTEST_QUEUE.send({ backtestId }, { contentType: "json" });
    },
  };
}

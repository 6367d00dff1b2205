/** Builds the poll context (db, deps, settings, archive bucket) and base URLs from a job's env. */

import type { JobContext } from "../../../cron/job";
import { openDb } from "../../../db/client";
import { readMarketDataConfig } from "../market-data.config";
import { httpPolicy } from "./ingestion.model";
import type { PollContext } from "./ingestion.service";

const trim = (url: string) => url.replace(/\/+$/, "");

export function pollContextFor(job: Pick<JobContext, "env" | "deps">) {
  const config = readMarketDataConfig(job.env);
  const settings = config;
  const ctx: PollContext = { db: openDb(job.env.DB), d1: job.env.DB, deps: job.deps, settings, archive: job.env.ARTIFACTS };
  return {
    ctx,
    policy: httpPolicy(settings),
    polymarket: { gammaUrl: trim(config.POLYMARKET_GAMMA_URL), clobUrl: trim(config.POLYMARKET_CLOB_URL) },
    defillama: { apiUrl: trim(config.DEFILLAMA_API_URL), stablecoinsUrl: trim(config.DEFILLAMA_STABLECOINS_URL) },
  };
}

/** Heartbeat summary: a failed poll is a recorded outcome, not a job crash. */
export function outcomeSummary(outcome: { status: string; error?: string; rowsWritten?: number }) {
  return {
    itemsProcessed: outcome.rowsWritten ?? 0,
    summary: { status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}) },
  };
}

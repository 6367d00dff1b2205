/**
 * Arena economy cron jobs (registered in src/jobs.ts, scheduled in src/schedule.ts). `arena.reconcile`
 * re-checks pending ticket payments and deposits, re-proves the ledger and every settled race, writes
 * any missing settlement artifact (derived from D1), and
 * records a report; it FAILS when a proof mismatches (after writing the report), so the run shows as an
 * error in the workers health and the ops alerts. Idempotent: overlapping runs move money once.
 */
import { z } from "zod";
import { defineJob } from "../../cron/job";
import { openDb } from "../../db/client";
import { artifactStoreFor } from "../artifacts";
import { arenaChainOf, readArenaConfig } from "./arena.config";
import { reconcileArena } from "./reconciliation/reconciliation.service";

export const RECONCILE_JOB = "arena.reconcile";

export const arenaJobs = [
  defineJob({
    name: RECONCILE_JOB,
    description:
      "Arena reconciliation: pending ticket payments and deposits re-checked on chain; ledger and settlement conservation proofs",
    params: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    async run({ env, deps, params }) {
      const settings = readArenaConfig(env);
      const outcome = await reconcileArena(
        openDb(env.DB),
        deps,
        arenaChainOf(env),
        settings.ARENA_PENDING_TTL_MINUTES * 60_000,
        `worker:${RECONCILE_JOB}`,
        params.limit,
        artifactStoreFor(env as unknown as Record<string, unknown> & { ARTIFACTS: R2Bucket }),
      );
      if (outcome.mismatches.length > 0) {
        const first = outcome.mismatches[0];
        throw new Error(
          `arena reconciliation mismatch (${outcome.mismatches.length}, report ${outcome.report.id}): ${first?.check} ${first?.subject} expected ${first?.expected} got ${first?.actual}`,
        );
      }
      return {
        itemsProcessed: outcome.pending.checked + outcome.pending.depositsChecked,
        summary: {
          ...outcome.pending,
          artifactsWritten: outcome.settlementArtifacts?.written ?? 0,
          reportId: outcome.report.id,
          ok: outcome.report.ok,
        },
      };
    },
  }),
];

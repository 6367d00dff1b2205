/**
 * Lifecycle cron jobs (registered in src/cron/registry.ts, scheduled in src/cron/schedule.ts): the
 * payments re-check, the opening sweeper, the auditions worker and the arena-entry worker. Thin: read settings, call the
 * service, report counts. Each is idempotent, so a manual run beside a cron tick is harmless.
 */
import { z } from "zod";
import { defineJob } from "../../cron/job";
import { openDb } from "../../db/client";
import { auditionAccountsOf, auditionRules } from "./auditions/audition.accounts";
import { runAuditionsWorker } from "./auditions/audition.service";
import { sweepOpeningAuditions } from "./auditions/audition-sweep.service";
import { feeConfig, readLifecycleConfig } from "./lifecycle.config";
import { recheckPendingPayments } from "./payments/payment.service";
import { syncArena } from "./promotion/promotion.service";

export const lifecycleJobs = [
  defineJob({
    name: "lifecycle.recheck-payments",
    description: "Re-checks pending audition fee payments on chain; verifies (and grants a credit) once confirmed",
    params: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    async run({ env, deps, params }) {
      const counts = await recheckPendingPayments(
        openDb(env.DB),
        deps,
        feeConfig(readLifecycleConfig(env)),
        "worker:lifecycle.recheck-payments",
        params.limit,
      );
      return { itemsProcessed: counts.checked, summary: counts };
    },
  }),
  defineJob({
    name: "lifecycle.sweep-opening-auditions",
    description: "Settles auditions stuck in opening: running when their account exists, else voided with the credit refunded",
    params: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    async run({ env, deps, params }) {
      const settings = readLifecycleConfig(env);
      const counts = await sweepOpeningAuditions(openDb(env.DB), deps, auditionAccountsOf(deps, env, auditionRules(settings)), {
        timeoutMs: settings.AUDITION_OPENING_TIMEOUT_SEC * 1000,
        actor: "worker:lifecycle.sweep-opening-auditions",
        limit: params.limit,
      });
      return { itemsProcessed: counts.running + counts.voided, summary: counts };
    },
  }),
  defineJob({
    name: "lifecycle.auditions-worker",
    description: "Evaluates finalized audition accounts against the pass criteria; passed clones enter the Promotion Queue",
    params: z.object({}),
    async run({ env, deps }) {
      const counts = await runAuditionsWorker(
        openDb(env.DB),
        deps,
        auditionAccountsOf(deps, env, auditionRules(readLifecycleConfig(env))),
        "worker:lifecycle.auditions-worker",
      );
      return { itemsProcessed: counts.passed + counts.failed, summary: counts };
    },
  }),
  defineJob({
    name: "lifecycle.arena-entry-worker",
    description: "Admits the head of the Promotion Queue into free Arena slots when the clone's profile is approved",
    params: z.object({}),
    async run({ env, deps }) {
      const outcome = await syncArena(openDb(env.DB), deps, readLifecycleConfig(env).ARENA_SLOTS, "worker:lifecycle.arena-entry-worker");
      return { itemsProcessed: outcome.admitted.length, summary: outcome };
    },
  }),
];

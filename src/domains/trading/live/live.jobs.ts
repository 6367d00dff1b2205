/**
 * Jobs of the live adapter.
 *
 * `trading.live-reconcile` (every 5 minutes): reconciles every active or paused live account with the
 * exchange (`reconcileAll`: userFills stored by tid, clearinghouseState positions; a divergence freezes
 * and flags the account, as the admin route does). An account the exchange could not be asked about
 * counts as failed, and a run with failures ends in error so the job-failure alert fires; the next run
 * retries (reconciliation is idempotent: fills are keyed by tid, each run appends one report).
 *
 * `trading.live-rewrap-agent-keys` (manual only, KEK rotation: doc/domains/trading-live.md): re-seals every
 * agent key not yet under the current KEK, in bounded chunks (agent-key-rewrap.service.ts); its summary
 * counts rewrapped / already current / raced / unreadable / remaining rows.
 */
import { z } from "zod";
import { defineJob } from "../../../cron/job";
import { rewrapAgentKeys } from "./agent-key-rewrap.service";
import { reconcileAll } from "./live-reconcile.service";

export const liveReconcileJob = defineJob({
  name: "trading.live-reconcile",
  description: "Reconciles every active or paused live account with the exchange (a divergence freezes and flags it).",
  params: z.object({}),
  async run({ env, deps }) {
    const summary = await reconcileAll({ env, clock: deps.clock, ids: deps.ids });
    if (summary.failed > 0) throw new Error(`live reconciliation failed for ${summary.failed} account(s): exchange unavailable`);
    return { itemsProcessed: summary.reconciled, summary };
  },
});

export const liveRewrapAgentKeysJob = defineJob({
  name: "trading.live-rewrap-agent-keys",
  description: "KEK rotation: re-seals agent keys still under an older KEK with LIVE_AGENT_KEK, in bounded chunks (manual).",
  params: z.object({
    chunkSize: z.coerce.number().int().min(1).max(200).default(50),
    maxChunks: z.coerce.number().int().min(1).max(200).default(20),
  }),
  async run({ env, params }) {
    const summary = await rewrapAgentKeys(env, params);
    return { itemsProcessed: summary.rewrapped, summary: { ...summary } };
  },
});

/**
 * `trading.live-reconcile` (every 5 minutes): reconciles every active or paused live account with the
 * exchange (`reconcileAll`: userFills stored by tid, clearinghouseState positions; a divergence freezes
 * and flags the account, as the admin route does). An account the exchange could not be asked about
 * counts as failed, and a run with failures ends in error so the job-failure alert fires; the next run
 * retries (reconciliation is idempotent: fills are keyed by tid, each run appends one report).
 */
import { z } from "zod";
import { defineJob } from "../../../cron/job";
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

/**
 * Positions of skipped clones stay managed (issue 23, item 5). A run skipped at scheduling (model
 * strength, asset capacity, provider not configured, unknown model) never calls an engine; when its
 * account holds an open position in the run's symbol, the run still records a hold action (`act_<runId>`,
 * so a repeated call adds nothing) and sends it through the intake: the position is kept as it is and its
 * reduce-only stop-loss and take-profit stay live at the PropAccount, which fires them on marks whatever
 * the decision runtime does. The run stays `skipped` with its reason; its error message says so.
 * Caller: the scheduler, after `createRuns`.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { IntakeOutcome } from "../trading";
import { holdAction } from "./decision.model";
import type { Intake } from "./decision.port";
import { type DecisionRunRow, decisionActions, decisionRuns } from "./decision.tables";

export const MANAGED_NOTE = "open position managed: a hold is recorded and its stop-loss/take-profit stay live";

/** Records (and submits, when an intake is given) the hold of each skipped run that has an open position. */
export async function holdSkippedPositions(deps: { db: Db; intake?: Intake }, runs: DecisionRunRow[], nowMs: number): Promise<number> {
  let held = 0;
  for (const run of runs) {
    if (run.status !== "skipped" || !run.accountId) continue;
    const skipped = run.errorJson ? (JSON.parse(run.errorJson) as { code: string; message: string }) : { code: run.reason, message: "" };
    const action = holdAction(
      { runId: run.id, symbol: run.symbol, slotMs: run.slotMs, decidedAtMs: run.asOfMs },
      `clone skipped (${skipped.code}): ${skipped.message}; ${MANAGED_NOTE}`,
    );
    await deps.db.batch([
      deps.db
        .insert(decisionActions)
        .values({
          id: action.actionId,
          runId: run.id,
          cloneId: run.cloneId,
          accountId: run.accountId,
          symbol: run.symbol,
          proposalJson: null,
          actionJson: JSON.stringify(action),
          kind: action.action,
          createdAtMs: nowMs,
        })
        .onConflictDoNothing(),
      deps.db
        .update(decisionRuns)
        .set({ errorJson: JSON.stringify({ code: skipped.code, message: `${skipped.message}; ${MANAGED_NOTE}` }) })
        .where(eq(decisionRuns.id, run.id)),
    ]);
    held += 1;
    if (!deps.intake) continue;
    const outcome: IntakeOutcome = await deps.intake.submit(run.accountId, action, nowMs);
    await deps.db
      .update(decisionActions)
      .set({
        outcomeStatus: outcome.status,
        fillId: outcome.status === "filled" ? outcome.fillId : null,
        gateCode: outcome.status === "denied" ? outcome.code : null,
        outcomeJson: JSON.stringify(outcome),
        outcomeAtMs: nowMs,
      })
      .where(and(eq(decisionActions.id, action.actionId), isNull(decisionActions.outcomeJson)));
  }
  return held;
}

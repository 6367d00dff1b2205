/**
 * The decision runtime's intake for every prop account. A `live` prop account is the paper shadow of a
 * live account: an action for it goes through the live path (`submitLiveAction`: kill switch, pause,
 * freeze, opt-in, approved agent, caps, then the shadow's own intake, then one order at the exchange);
 * every other account goes straight to its PropAccount. What the decision run records is the shadow's
 * intake outcome (filled with its paper fill id, or denied with its gate code); a refusal of the live
 * path before the shadow is `denied / live_gate` with the live code in the message. The order itself
 * (cloid, exchange status, fill price) is in `live_orders` and `GET /live/accounts/{id}`; a paper fill
 * whose exchange order did not fill is what reconciliation reports and freezes on.
 */
import { eq } from "drizzle-orm";
import { openDb } from "../../../db/client";
import type { DecisionActionInput, IntakeOutcome } from "../decision-action.model";
import { accountKind, submitAction, type TradingDeps, timed } from "../prop-accounts.service";
import { liveAccounts } from "./live.tables";
import { type LiveOutcome, submitLiveAction } from "./live-orders.service";

/** The decision run's intake outcome of a live submission. */
export function intakeOutcomeOfLive(outcome: LiveOutcome, nowMs: number): IntakeOutcome {
  if (outcome.paper) return outcome.paper;
  if (outcome.status === "denied")
    return { status: "denied", actionId: outcome.actionId, code: "live_gate", message: `${outcome.code}: ${outcome.message}`, t: nowMs };
  return { status: "accepted", actionId: outcome.actionId, t: nowMs };
}

/** Submits a decision action to `accountId`: through the live path when it is a live account's shadow. */
export async function submitDecisionAction(
  deps: TradingDeps,
  accountId: string,
  action: DecisionActionInput,
  nowMs: number,
): Promise<IntakeOutcome> {
  // Only a `live` account can be a shadow (live.service.ts opens every shadow with kind live, and a kind
  // never changes): any other known kind goes straight to its object, without the live_accounts read.
  const kind = await accountKind(deps.env.DB, accountId, deps.timer);
  if (kind !== null && kind !== "live") return submitAction(deps, accountId, action, nowMs);
  const [live] = await timed(deps.timer, "d1.live_lookup", () =>
    openDb(deps.env.DB).select({ id: liveAccounts.id }).from(liveAccounts).where(eq(liveAccounts.shadowAccountId, accountId)).limit(1),
  );
  if (!live) return submitAction(deps, accountId, action, nowMs);
  const outcome = await submitLiveAction({ env: deps.env, ids: deps.ids, clock: { nowMs: () => nowMs } }, live.id, action);
  return intakeOutcomeOfLive(outcome, nowMs);
}

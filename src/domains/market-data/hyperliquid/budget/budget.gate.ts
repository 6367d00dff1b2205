/**
 * The WeightGate every Hyperliquid info caller uses inside the Worker and the feed objects: RPC to
 * the egress IP's HyperliquidBudget object. One object per egress IP: Workers share Cloudflare's
 * egress, so there is one name (`egress-default`); a deployment with dedicated egress IPs would name
 * one object per IP.
 */
import type { WeightGate } from "../info.client";

export const BUDGET_OBJECT_NAME = "egress-default";

export function budgetGate(ns: Env["HYPERLIQUID_BUDGET"]): WeightGate {
  const stub = () => ns.get(ns.idFromName(BUDGET_OBJECT_NAME));
  return {
    reserve: (input) => stub().reserve(input),
    penalize: () => stub().penalize(),
  };
}

/** The budget object's counters (granted, refused, 429 penalties since the object started), for ops alerts. */
export function budgetStatus(ns: Env["HYPERLIQUID_BUDGET"]) {
  return ns.get(ns.idFromName(BUDGET_OBJECT_NAME)).status();
}

/**
 * The Arena economy's client and admin routes (balances, deposits, withdrawals, tickets, race reads,
 * reconciliation), mounted under /api/v1 by src/app.ts through the domain's index. The race lifecycle
 * routes (engineer B) mount beside these.
 */
import { createRouter } from "../../http/router";
import { balanceRoutes } from "./balances/balance.routes";
import { raceReadRoutes } from "./reads/race-read.routes";
import { reconciliationRoutes } from "./reconciliation/reconciliation.routes";
import { ticketRoutes } from "./tickets/ticket.routes";

export const arenaRoutes = createRouter()
  .route("/", balanceRoutes)
  .route("/", ticketRoutes)
  .route("/", raceReadRoutes)
  .route("/", reconciliationRoutes);

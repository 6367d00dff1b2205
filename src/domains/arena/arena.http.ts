/**
 * The Arena's HTTP helpers and mount: db and settings from the request, the audit actor, the mapping of
 * arena failures to the error envelope (the one place where reason codes become statuses; the issue's
 * codes ride in `details.code`, like every other domain's). The routes are mounted in arena.routes.ts.
 */
import type { Context } from "hono";
import { openDb } from "../../db/client";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { arenaChainOf } from "./arena.config";
import type { ChainUseFailure } from "./balances/deposit.service";
import type { DecideFailure, WithdrawFailure } from "./balances/withdrawal.service";
import type { TicketFailure } from "./tickets/ticket.service";

export const dbOf = (c: Context<AppEnv>) => openDb(c.env.DB);
export const chainOf = (c: Context<AppEnv>) => arenaChainOf(c.env);

/** The actor recorded in the audit trail: the user id, or `admin:<id>` for admins. */
export function actorOf(c: Context<AppEnv>): string {
  const auth = c.get("auth");
  return auth.role === "user" ? auth.sub : `${auth.role}:${auth.sub}`;
}

export function chainUseError(f: ChainUseFailure): ApiError {
  if (f.kind === "wallet_required") return new ApiError("unprocessable", "link a wallet first (PUT /api/v1/me/wallet)", { code: f.kind });
  if (f.kind === "not_configured") return new ApiError("upstream_unavailable", "on-chain payments are not configured", { code: f.kind });
  return new ApiError("upstream_unavailable", `the chain could not be read: ${f.message}`, { code: "rpc_unavailable" });
}

export function ticketError(f: TicketFailure): ApiError {
  switch (f.kind) {
    case "race_not_found":
      return new ApiError("not_found", "race not found", { code: f.kind });
    case "race_not_accumulating":
      return new ApiError("conflict", `the race is not accumulating (${f.status})`, { code: f.kind, status: f.status });
    case "entrant_unavailable":
      return new ApiError("conflict", "the entrant is not in this race's field (scratched or foreign)", { code: f.kind });
    case "below_min_ticket":
      return new ApiError("bad_request", `a ticket is at least ${f.minTicketMicroUsd} micro-USD`, { code: f.kind, ...f });
    case "ticket_limit":
      return new ApiError("conflict", `per-user stake cap of ${f.maxUserStakeMicroUsd} micro-USD on this race reached`, {
        code: f.kind,
        ...f,
      });
    case "insufficient_balance":
      return new ApiError("conflict", "the balance does not cover the ticket", { code: f.kind });
    case "idempotency_key_reused":
      return new ApiError("unprocessable", "this Idempotency-Key was used with another request body", {
        code: f.kind,
        ticketId: f.ticketId,
      });
    case "tx_already_used":
      return new ApiError("conflict", "this transaction hash already paid for something else", { code: f.kind });
    case "payment_rejected":
      return new ApiError("unprocessable", `the payment does not verify: ${f.reason}`, { code: f.kind, reason: f.reason });
    case "wallet_required":
    case "not_configured":
      return chainUseError({ kind: f.kind });
    case "unavailable":
      return chainUseError(f);
  }
}

export function withdrawError(f: WithdrawFailure): ApiError {
  if (f.kind === "wallet_required") return chainUseError(f);
  if (f.kind === "insufficient_balance") return new ApiError("conflict", "the balance does not cover the withdrawal", { code: f.kind });
  return new ApiError("unprocessable", "this Idempotency-Key was used with another amount", { code: f.kind, withdrawalId: f.withdrawalId });
}

export function decideError(f: DecideFailure): ApiError {
  switch (f.kind) {
    case "not_found":
      return new ApiError("not_found", "withdrawal not found", { code: f.kind });
    case "not_pending":
      return new ApiError("conflict", `the withdrawal is already ${f.status}`, { code: f.kind, status: f.status });
    case "payout_not_verified":
      return new ApiError("unprocessable", `the payout transaction does not verify: ${f.reason}`, { code: f.kind, reason: f.reason });
    case "payout_tx_used":
      return new ApiError("conflict", "this payout transaction already paid another withdrawal", { code: f.kind });
    case "not_configured":
    case "unavailable":
      return chainUseError(f);
  }
}

/**
 * HTTP helpers shared by the lifecycle routes: settings and the db from the request, the audit actor,
 * and the mapping of lifecycle failures to the
 * error envelope (the one place where reason codes become statuses).
 */
import type { Context } from "hono";
import { openDb } from "../../db/client";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import type { SubmitAuditionFailure } from "./auditions/audition.service";
import { readLifecycleConfig } from "./lifecycle.config";
import type { SubmitFailure } from "./payments/payment.service";
import type { WalletFailure } from "./wallets/wallet.model";

export const dbOf = (c: Context<AppEnv>) => openDb(c.env.DB);
export const settingsOf = (c: Context<AppEnv>) => readLifecycleConfig(c.env);

/** The actor recorded in the audit trail: the user id, or `admin:<id>` for admins. */
export function actorOf(c: Context<AppEnv>): string {
  const auth = c.get("auth");
  return auth.role === "user" ? auth.sub : `${auth.role}:${auth.sub}`;
}

const WALLET_MESSAGES: Record<WalletFailure["kind"], string> = {
  nonce_missing: "request a nonce first (POST /api/v1/me/wallet/nonce)",
  nonce_expired: "the nonce expired; request a new one",
  nonce_used: "the nonce was already used; request a new one",
  bad_message: "not the EIP-4361 message issued by POST /api/v1/me/wallet/nonce (sign it unchanged)",
  wrong_domain: "the message was issued for another site (domain)",
  wrong_chain: "the message names another chain id",
  wrong_address: "the message names another address than the one the nonce was issued for",
  bad_signature: "the signature does not prove the address signed the message (key or EIP-1271 contract wallet)",
  wallet_taken: "this wallet is linked to another account",
  admin_binding_disabled: "operator wallet binding is disabled (ADMIN_WALLET_BINDING, development only)",
  reserved_address: "the zero address and the fee treasury cannot be bound to a user",
};

const WALLET_STATUS: Partial<Record<WalletFailure["kind"], "conflict" | "forbidden">> = {
  wallet_taken: "conflict",
  admin_binding_disabled: "forbidden",
};

export function walletError(f: WalletFailure): ApiError {
  return new ApiError(WALLET_STATUS[f.kind] ?? "unprocessable", WALLET_MESSAGES[f.kind], { code: f.kind });
}

export function paymentError(f: SubmitFailure): ApiError {
  if (f.kind === "wallet_required") return new ApiError("unprocessable", "link a wallet first (PUT /api/v1/me/wallet)", { code: f.kind });
  if (f.kind === "not_configured")
    return new ApiError("upstream_unavailable", "audition fee verification is not configured", { code: f.kind });
  return new ApiError("upstream_unavailable", `the chain could not be read: ${f.message}`, { code: "rpc_unavailable" });
}

export function auditionError(f: SubmitAuditionFailure): ApiError {
  switch (f.kind) {
    case "audition_in_progress":
    case "already_passed":
    case "attempt_limit":
    case "cooldown":
    case "clone_retired":
      return new ApiError("conflict", `audition refused: ${f.kind}`, { code: f.kind, ...f });
    case "trading_disabled":
      return new ApiError("unprocessable", "enable trading on the clone first", { code: f.kind });
    case "model_strength_exceeded":
      return new ApiError("forbidden", f.details.message, { code: f.kind, ...f.details });
    case "invalid_pipeline":
      return new ApiError("unprocessable", "the clone's pipeline is not valid", { code: f.kind, problems: f.problems });
    case "no_credit":
      return new ApiError("unprocessable", "no audition credit available (pay the audition fee)", { code: f.kind });
    case "account_unavailable":
      return new ApiError("upstream_unavailable", `the audition account could not be opened; the credit was refunded: ${f.message}`, {
        code: f.kind,
        auditionId: f.audition.id,
      });
  }
}

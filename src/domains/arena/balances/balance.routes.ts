/**
 * Balance routes. Client: deposits (`POST /me/deposits`), the balance with its entries (`GET
 * /me/balance`), withdrawals (`POST`/`GET /me/withdrawals`). Admin: withdrawal decisions and balance
 * adjustments, audited with the admin as actor. Logic in the services beside this file.
 */
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../../http/access";
import { ApiError, errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { TxHashSchema } from "../../chain";
import { actorOf, chainOf, chainUseError, dbOf, decideError, withdrawError } from "../arena.http";
import { adjustBalance, balanceOf } from "./balance.service";
import { depositsOf, submitDeposit } from "./deposit.service";
import { decideWithdrawal, requestWithdrawal, withdrawalsOf } from "./withdrawal.service";

const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } }, required: true });
const MicroUsd = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const TxHash = TxHashSchema.openapi({ type: "string", example: `0x${"ab".repeat(32)}` });
const IdempotencyKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

export const DepositSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    txHash: z.string(),
    chainId: z.number().int(),
    status: z.enum(["pending", "credited", "rejected"]),
    reason: z.string().nullable().openapi({ description: "Why rejected (already_used, wrong_sender, ...) or not_confirmed while pending" }),
    walletAddress: z.string().nullable(),
    amountMicroUsd: z.number().int().nullable(),
    submittedAtMs: z.number().int(),
    checkedAtMs: z.number().int(),
    creditedAtMs: z.number().int().nullable(),
  })
  .openapi("ArenaDeposit");

export const BalanceSchema = z
  .object({
    userId: z.string(),
    balanceMicroUsd: z.number().int().openapi({ description: "Available to spend (tickets, withdrawals)" }),
    reservedMicroUsd: z.number().int().openapi({ description: "Held by withdrawals awaiting an admin decision" }),
    entries: z.array(
      z.object({
        transferId: z.string(),
        book: z.enum(["available", "reserved"]),
        code: z.string(),
        amountMicroUsd: z.number().int(),
        tMs: z.number().int(),
        refId: z.string(),
        raceId: z.string().nullable(),
        memo: z.string().nullable(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("ArenaBalance");

export const WithdrawalSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    amountMicroUsd: z.number().int(),
    toAddress: z.string(),
    status: z.enum(["pending", "paid", "rejected"]),
    idempotencyKey: z.string().nullable(),
    payoutTxHash: z.string().nullable(),
    decidedBy: z.string().nullable(),
    reason: z.string().nullable(),
    requestedAtMs: z.number().int(),
    decidedAtMs: z.number().int().nullable(),
  })
  .openapi("ArenaWithdrawal");

const depositRoute = declareRoute({
  access: { role: "user" },
  method: "post",
  path: "/me/deposits",
  tags: ["arena"],
  summary: "Deposit: credit a verified USDC transfer from the caller's wallet to the treasury (pending until confirmed)",
  request: { body: json(z.object({ txHash: TxHash }).openapi("SubmitDeposit")) },
  responses: {
    201: jsonResponse(DepositSchema, "The deposit: credited, pending (not_confirmed) or rejected with its reason"),
    ...errorResponses("validation_failed", "unauthorized", "unprocessable", "upstream_unavailable"),
  },
});

const listDepositsRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/me/deposits",
  tags: ["arena"],
  summary: "The caller's deposits, newest first",
  responses: { 200: jsonResponse(z.object({ deposits: z.array(DepositSchema) }), "Deposits"), ...errorResponses("unauthorized") },
});

const balanceRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/me/balance",
  tags: ["arena"],
  summary: "The caller's Arena balance (derived from the ledger) and its entries, newest first (paged)",
  request: {
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(400).optional() }),
  },
  responses: { 200: jsonResponse(BalanceSchema, "Balance"), ...errorResponses("validation_failed", "unauthorized") },
});

const withdrawRoute = declareRoute({
  access: { role: "user" },
  method: "post",
  path: "/me/withdrawals",
  tags: ["arena"],
  summary: "Request a withdrawal to the caller's wallet; the amount is reserved at once (Idempotency-Key optional)",
  request: {
    headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
    body: json(z.object({ amountMicroUsd: MicroUsd }).openapi("RequestWithdrawal")),
  },
  responses: {
    201: jsonResponse(WithdrawalSchema, "The pending withdrawal (or the one this Idempotency-Key already made)"),
    ...errorResponses("validation_failed", "unauthorized", "conflict", "unprocessable"),
  },
});

const listWithdrawalsRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/me/withdrawals",
  tags: ["arena"],
  summary: "The caller's withdrawals, newest first",
  responses: { 200: jsonResponse(z.object({ withdrawals: z.array(WithdrawalSchema) }), "Withdrawals"), ...errorResponses("unauthorized") },
});

const decideRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: "/admin/arena/withdrawals/{withdrawalId}/decision",
  tags: ["arena-admin"],
  summary:
    "Decide a pending withdrawal: paid (payout tx verified on chain: treasury -> user wallet, that amount) or rejected (funds return)",
  request: {
    params: z.object({ withdrawalId: z.string().min(1).max(80) }),
    body: json(
      z
        .discriminatedUnion("decision", [
          z.object({ decision: z.literal("paid"), txHash: TxHash }),
          z.object({ decision: z.literal("rejected"), reason: z.string().trim().min(1).max(500) }),
        ])
        .openapi("WithdrawalDecision"),
    ),
  },
  responses: {
    200: jsonResponse(WithdrawalSchema, "The decided withdrawal"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict", "unprocessable", "upstream_unavailable"),
  },
});

const adjustRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: "/admin/arena/balances/{userId}/adjustments",
  tags: ["arena-admin"],
  summary: "Adjust a user's Arena balance with a reason (negative: never below zero); audited",
  request: {
    params: z.object({ userId: z.string().min(1).max(120) }),
    body: json(
      z
        .object({
          amountMicroUsd: z
            .number()
            .int()
            .min(-Number.MAX_SAFE_INTEGER)
            .max(Number.MAX_SAFE_INTEGER)
            .refine((v) => v !== 0, "must not be 0"),
          reason: z.string().trim().min(1).max(500),
        })
        .openapi("BalanceAdjustment"),
    ),
  },
  responses: {
    201: jsonResponse(z.object({ adjustmentId: z.string(), userId: z.string(), balanceMicroUsd: z.number().int() }), "The adjustment"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "conflict"),
  },
});

export const balanceRoutes = createRouter()
  .openapi(depositRoute, async (c) => {
    const { txHash } = c.req.valid("json");
    const res = await submitDeposit(dbOf(c), c.get("deps"), chainOf(c), c.get("auth").sub, txHash as `0x${string}`);
    if (!res.ok) throw chainUseError(res.error);
    return c.json(res.value, 201);
  })
  .openapi(listDepositsRoute, async (c) => c.json({ deposits: await depositsOf(dbOf(c), c.get("auth").sub) }, 200))
  .openapi(balanceRoute, async (c) => {
    const q = c.req.valid("query");
    const view = await balanceOf(dbOf(c), c.get("auth").sub, { limit: q.limit, cursor: q.cursor });
    if (!view) throw new ApiError("validation_failed", "unreadable cursor", { code: "bad_cursor" });
    return c.json(view, 200);
  })
  .openapi(withdrawRoute, async (c) => {
    const key = c.req.valid("header")["idempotency-key"];
    const res = await requestWithdrawal(dbOf(c), c.get("deps"), c.get("auth").sub, c.req.valid("json").amountMicroUsd, key);
    if (!res.ok) throw withdrawError(res.error);
    return c.json(res.value, 201);
  })
  .openapi(listWithdrawalsRoute, async (c) => c.json({ withdrawals: await withdrawalsOf(dbOf(c), c.get("auth").sub) }, 200))
  .openapi(decideRoute, async (c) => {
    const body = c.req.valid("json");
    const decision = body.decision === "paid" ? { decision: "paid" as const, txHash: body.txHash as `0x${string}` } : body;
    const res = await decideWithdrawal(dbOf(c), c.get("deps"), chainOf(c), c.req.valid("param").withdrawalId, decision, actorOf(c));
    if (!res.ok) throw decideError(res.error);
    return c.json(res.value, 200);
  })
  .openapi(adjustRoute, async (c) => {
    const { userId } = c.req.valid("param");
    const body = c.req.valid("json");
    const res = await adjustBalance(dbOf(c), c.get("deps"), {
      userId,
      amountMicroUsd: body.amountMicroUsd,
      reason: body.reason,
      actor: actorOf(c),
    });
    if (!res.ok) throw new ApiError("conflict", "the balance does not cover the negative adjustment", { code: res.error.kind });
    return c.json({ ...res.value, userId }, 201);
  });

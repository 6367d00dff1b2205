/**
 * Admin controls over one prop account, each audited inside the account's object (who = the token's
 * subject, when, why, request id) and idempotent on the request id: freeze, unfreeze, force-close a
 * position, finalize early, adjust the balance with a reason, submit a `DecisionAction` through the same
 * intake as decisions, and read the audit trail. Mounted under /api/v1/admin (role admin).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { errorResponses, notFound } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import { DecisionActionSchema, IntakeOutcomeSchema } from "./decision-action.model";
import { accountStub, findAccount } from "./prop-accounts.service";
import { adminCommand } from "./prop-admin.service";
import type { AdminCommand } from "./trading.rpc";
import { AccountParamsSchema, AdjustmentSchema, AdminOutcomeSchema, AdminRequestSchema, AuditRowSchema } from "./trading.schemas";

const TAG = ["admin"];

async function existing(c: Context<AppEnv>, accountId: string): Promise<void> {
  if (!(await findAccount(c.env.DB, accountId))) throw notFound("prop account");
}

const control = (path: string, summary: string, body: z.ZodType = AdminRequestSchema, params: z.ZodObject = AccountParamsSchema) =>
  createRoute({
    method: "post",
    path: `/admin/prop-accounts/{accountId}/${path}`,
    tags: TAG,
    summary,
    request: { params, body: { content: { "application/json": { schema: body } }, required: true } },
    responses: {
      200: jsonResponse(AdminOutcomeSchema, "done, or refused with the reason (e.g. an invalid transition)"),
      ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
    },
  });

const freezeRoute = control("freeze", "Freeze: the intake denies every action (account_not_active) until unfrozen");
const unfreezeRoute = control("unfreeze", "Unfreeze a frozen account");
const finalizeRoute = control("finalize", "Finalize early: positions close at mark, the hashed result is written");
const adjustRoute = control("adjustments", "Balance adjustment (admin_adjustment ledger entry) with a reason", AdjustmentSchema);
const closeRoute = control(
  "positions/{symbol}/close",
  "Force-close one position at mark (taker fee)",
  AdminRequestSchema,
  AccountParamsSchema.extend({ symbol: z.string().min(1).max(64) }),
);

const actionRoute = createRoute({
  method: "post",
  path: "/admin/prop-accounts/{accountId}/actions",
  tags: TAG,
  summary: "Submit a DecisionAction through the same intake and gates (idempotent on actionId; audited)",
  request: { params: AccountParamsSchema, body: { content: { "application/json": { schema: DecisionActionSchema } }, required: true } },
  responses: {
    200: jsonResponse(IntakeOutcomeSchema, "The intake outcome"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

const auditRoute = createRoute({
  method: "get",
  path: "/admin/prop-accounts/{accountId}/audit",
  tags: TAG,
  summary: "The account's admin audit trail (who, when, why, request id)",
  request: { params: AccountParamsSchema },
  responses: {
    200: jsonResponse(z.object({ items: z.array(AuditRowSchema) }), "Audit rows"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

async function run(c: Context<AppEnv>, accountId: string, command: AdminCommand) {
  await existing(c, accountId);
  return adminCommand({ env: c.env }, accountId, command, c.get("deps").clock.nowMs());
}

export const propAdminRoutes = createRouter()
  .openapi(freezeRoute, async (c) => {
    const { requestId, reason } = c.req.valid("json") as z.infer<typeof AdminRequestSchema>;
    return c.json(
      await run(c, (c.req.valid("param") as { accountId: string }).accountId, {
        requestId,
        reason,
        actor: c.get("auth").sub,
        op: { kind: "freeze" },
      }),
      200,
    );
  })
  .openapi(unfreezeRoute, async (c) => {
    const { requestId, reason } = c.req.valid("json") as z.infer<typeof AdminRequestSchema>;
    return c.json(
      await run(c, (c.req.valid("param") as { accountId: string }).accountId, {
        requestId,
        reason,
        actor: c.get("auth").sub,
        op: { kind: "unfreeze" },
      }),
      200,
    );
  })
  .openapi(finalizeRoute, async (c) => {
    const { requestId, reason } = c.req.valid("json") as z.infer<typeof AdminRequestSchema>;
    return c.json(
      await run(c, (c.req.valid("param") as { accountId: string }).accountId, {
        requestId,
        reason,
        actor: c.get("auth").sub,
        op: { kind: "finalize" },
      }),
      200,
    );
  })
  .openapi(adjustRoute, async (c) => {
    const { requestId, reason, amountMicroUsd } = c.req.valid("json") as z.infer<typeof AdjustmentSchema>;
    const op = { kind: "adjust" as const, amountMicroUsd };
    return c.json(
      await run(c, (c.req.valid("param") as { accountId: string }).accountId, { requestId, reason, actor: c.get("auth").sub, op }),
      200,
    );
  })
  .openapi(closeRoute, async (c) => {
    const { requestId, reason } = c.req.valid("json") as z.infer<typeof AdminRequestSchema>;
    const { accountId, symbol } = c.req.valid("param") as { accountId: string; symbol: string };
    return c.json(await run(c, accountId, { requestId, reason, actor: c.get("auth").sub, op: { kind: "force_close", symbol } }), 200);
  })
  .openapi(actionRoute, async (c) => {
    const action = c.req.valid("json");
    const { accountId } = c.req.valid("param");
    const outcome = await run(c, accountId, {
      requestId: `action:${action.actionId}`,
      reason: action.reason || "admin action",
      actor: c.get("auth").sub,
      op: { kind: "action", action },
    });
    if (outcome.status !== "done" || !outcome.intake) throw new Error("admin action without an intake outcome");
    return c.json(outcome.intake, 200);
  })
  .openapi(auditRoute, async (c) => {
    const { accountId } = c.req.valid("param");
    await existing(c, accountId);
    return c.json({ items: await accountStub(c.env, accountId).audit() }, 200);
  });

/**
 * Admin controls over one prop account, each audited inside the account's object (who = the token's
 * subject, when, why, request id) and idempotent on the request id: freeze, unfreeze, force-close a
 * position, finalize early, adjust the balance with a reason, submit a `DecisionAction` through the same
 * intake as decisions, and read the audit trail. Mounted under /api/v1/admin (role admin).
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { declareRoute } from "../../http/access";
import type { AppEnv } from "../../http/app-env";
import { errorResponses, notFound } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import type { AdminCommand } from "./admin-command.model";
import { DecisionActionSchema, IntakeOutcomeSchema } from "./decision-action.model";
import { accountStub, findAccount } from "./prop-accounts.service";
import { adminCommand } from "./prop-admin.service";
import { AccountParamsSchema, AdjustmentSchema, AdminOutcomeSchema, AdminRequestSchema, AuditRowSchema } from "./trading-api.model";

const TAG = ["admin"];

async function existing(c: Context<AppEnv>, accountId: string): Promise<void> {
  if (!(await findAccount(c.env.DB, accountId))) throw notFound("prop account");
}

const control = (path: string, summary: string, body: z.ZodType = AdminRequestSchema, params: z.ZodObject = AccountParamsSchema) =>
  declareRoute({
    access: { role: "admin" },
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

const actionRoute = declareRoute({
  access: { role: "admin" },
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

const auditRoute = declareRoute({
  access: { role: "admin" },
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

/** One control from its (already validated) request: path params and the `{requestId, reason}` body. */
async function runControl(c: Context<AppEnv>, op: (body: Record<string, unknown>, symbol: string | undefined) => AdminCommand["op"]) {
  const body = (await c.req.json()) as { requestId: string; reason: string } & Record<string, unknown>;
  const accountId = c.req.param("accountId") as string;
  return c.json(
    await run(c, accountId, {
      requestId: body.requestId,
      reason: body.reason,
      actor: c.get("auth").sub,
      op: op(body, c.req.param("symbol")),
    }),
    200,
  );
}

export const propAdminRoutes = createRouter()
  .openapi(freezeRoute, (c) => runControl(c, () => ({ kind: "freeze" })))
  .openapi(unfreezeRoute, (c) => runControl(c, () => ({ kind: "unfreeze" })))
  .openapi(finalizeRoute, (c) => runControl(c, () => ({ kind: "finalize" })))
  .openapi(adjustRoute, (c) => runControl(c, (body) => ({ kind: "adjust", amountMicroUsd: body.amountMicroUsd as number })))
  .openapi(closeRoute, (c) => runControl(c, (_body, symbol) => ({ kind: "force_close", symbol: symbol as string })))
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

/**
 * Admin alert routes (role admin, under /api/v1/admin): current and recent alerts with their silences,
 * delivery attempts, the ops audit trail, acknowledge, silence, end a silence, and a test notification
 * through every configured channel. Thin: parse, call alerts.service.ts, map the result.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { openDb } from "../../../db/client";
import { declareRoute } from "../../../http/access";
import type { AppEnv } from "../../../http/app-env";
import { ApiError, errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { readOpsSettings } from "../ops.config";
import { AlertStateSchema, ChannelSchema, DeliveryStatusSchema, SilenceMatcherSchema } from "./alerts.model";
import {
  acknowledgeAlert,
  createSilence,
  endSilence,
  listAlerts,
  listAudit,
  listDeliveries,
  listSilences,
  type OpsActionError,
  sendTestNotification,
} from "./alerts.service";
import type { AlertRow } from "./alerts.tables";

const TAG = ["admin"];
const adminErrors = errorResponses("validation_failed", "unauthorized", "forbidden");

const AlertSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    rule: z.string(),
    severity: z.enum(["warning", "critical"]),
    state: AlertStateSchema,
    summary: z.string(),
    details: z.record(z.string(), z.unknown()),
    firstSeenMs: z.number().int(),
    firedAtMs: z.number().int().nullable(),
    endedAtMs: z.number().int().nullable(),
    lastEvaluatedMs: z.number().int(),
    lastNotifiedMs: z.number().int().nullable(),
    acknowledged: z.object({ by: z.string(), reason: z.string(), atMs: z.number().int(), expiresAtMs: z.number().int() }).nullable(),
  })
  .openapi("OpsAlert");

const SilenceSchema = z
  .object({
    id: z.string(),
    matcher: z.string(),
    reason: z.string(),
    createdBy: z.string(),
    createdAtMs: z.number().int(),
    expiresAtMs: z.number().int(),
    endedAtMs: z.number().int().nullable(),
  })
  .openapi("OpsAlertSilence");

const DeliverySchema = z
  .object({
    id: z.string(),
    notificationId: z.string(),
    alertId: z.string().nullable(),
    channel: ChannelSchema,
    attempt: z.number().int(),
    status: DeliveryStatusSchema,
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    atMs: z.number().int(),
    durationMs: z.number().int(),
  })
  .openapi("OpsAlertDelivery");

const AuditSchema = z
  .object({
    id: z.string(),
    atMs: z.number().int(),
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    reason: z.string(),
    expiresAtMs: z.number().int().nullable(),
    detailsJson: z.string().nullable(),
  })
  .openapi("OpsAuditRow");

const limit = z.coerce.number().int().min(1).max(500).default(100);
const reason = z.string().trim().min(3).max(500);
/** Acknowledgements and silences always expire: at most 30 days. */
const expiresInMin = z.coerce
  .number()
  .int()
  .min(1)
  .max(30 * 24 * 60);

function toAlert(r: AlertRow): z.infer<typeof AlertSchema> {
  return {
    id: r.id,
    key: r.dedupKey,
    rule: r.rule,
    severity: r.severity,
    state: r.state,
    summary: r.summary,
    details: JSON.parse(r.detailsJson) as Record<string, unknown>,
    firstSeenMs: r.firstSeenMs,
    firedAtMs: r.firedAtMs,
    endedAtMs: r.endedAtMs,
    lastEvaluatedMs: r.lastEvaluatedMs,
    lastNotifiedMs: r.lastNotifiedMs,
    acknowledged:
      r.ackedBy && r.ackReason && r.ackedAtMs !== null && r.ackExpiresMs !== null
        ? { by: r.ackedBy, reason: r.ackReason, atMs: r.ackedAtMs, expiresAtMs: r.ackExpiresMs }
        : null,
  };
}

function fail(e: OpsActionError): never {
  throw new ApiError(e.kind, e.message);
}

const deps = (c: Context<AppEnv>) => ({ db: openDb(c.env.DB), deps: c.get("deps") });

const listRoute = declareRoute({
  access: { role: "admin" },
  method: "get",
  path: "/admin/alerts",
  tags: TAG,
  summary: "Current (pending and firing) and recent alerts, newest first, with the active silences",
  request: {
    query: z.object({
      state: AlertStateSchema.optional(),
      rule: z.string().max(64).optional(),
      key: z.string().max(200).optional(),
      sinceMs: z.coerce.number().int().min(0).optional(),
      limit,
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ current: z.array(AlertSchema), recent: z.array(AlertSchema), silences: z.array(SilenceSchema) }),
      "Alerts",
    ),
    ...adminErrors,
  },
});

const deliveriesRoute = declareRoute({
  access: { role: "admin" },
  method: "get",
  path: "/admin/alerts/deliveries",
  tags: TAG,
  summary: "Every notification delivery attempt (delivered or failed, channel, HTTP status, time), newest first",
  request: {
    query: z.object({
      channel: ChannelSchema.optional(),
      status: DeliveryStatusSchema.optional(),
      alertId: z.string().max(80).optional(),
      limit,
    }),
  },
  responses: { 200: jsonResponse(z.object({ items: z.array(DeliverySchema) }), "Delivery attempts"), ...adminErrors },
});

const auditRoute = declareRoute({
  access: { role: "admin" },
  method: "get",
  path: "/admin/alerts/audit",
  tags: TAG,
  summary: "The ops audit trail: acknowledgements, silences, test notifications (who, when, why, until when)",
  request: { query: z.object({ limit }) },
  responses: { 200: jsonResponse(z.object({ items: z.array(AuditSchema) }), "Audit rows"), ...adminErrors },
});

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const testRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: "/admin/alerts/test",
  tags: TAG,
  summary: "Send a test notification through every configured channel (first attempt now; audited)",
  request: body(z.object({ message: z.string().trim().min(1).max(500).default("test notification") })),
  responses: {
    200: jsonResponse(
      z.object({
        channels: z.array(ChannelSchema),
        results: z.array(
          z.object({
            notificationId: z.string(),
            channel: ChannelSchema,
            delivered: z.boolean(),
            httpStatus: z.number().int().nullable(),
            error: z.string().nullable(),
            attempt: z.number().int(),
          }),
        ),
      }),
      "One result per channel (an empty list when no channel is configured)",
    ),
    ...adminErrors,
  },
});

const ackRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: "/admin/alerts/{alertId}/ack",
  tags: TAG,
  summary: "Acknowledge an open alert with a reason until an expiry (no reminders until then; audited)",
  request: { params: z.object({ alertId: z.string().min(1).max(80) }), ...body(z.object({ reason, expiresInMin })) },
  responses: {
    200: jsonResponse(AlertSchema, "The acknowledged alert"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

const silenceRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: "/admin/alerts/silences",
  tags: TAG,
  summary: "Silence a dedup key or a key prefix (`rule:*`) with a reason until an expiry (no notifications; audited)",
  request: body(z.object({ matcher: SilenceMatcherSchema, reason, expiresInMin })),
  responses: { 201: jsonResponse(SilenceSchema, "The silence"), ...adminErrors },
});

const endSilenceRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: "/admin/alerts/silences/{silenceId}/end",
  tags: TAG,
  summary: "End a silence before its expiry (audited)",
  request: { params: z.object({ silenceId: z.string().min(1).max(80) }), ...body(z.object({ reason })) },
  responses: {
    200: jsonResponse(z.object({ id: z.string(), endedAtMs: z.number().int() }), "Ended"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

export const alertRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const db = openDb(c.env.DB);
    const rows = await listAlerts(db, q);
    const open = (r: AlertRow) => r.state === "pending" || r.state === "firing";
    return c.json(
      {
        current: rows.filter(open).map(toAlert),
        recent: rows.filter((r) => !open(r)).map(toAlert),
        silences: await listSilences(db, c.get("deps").clock.nowMs()),
      },
      200,
    );
  })
  .openapi(deliveriesRoute, async (c) => c.json({ items: await listDeliveries(openDb(c.env.DB), c.req.valid("query")) }, 200))
  .openapi(auditRoute, async (c) => c.json({ items: await listAudit(openDb(c.env.DB), c.req.valid("query").limit) }, 200))
  .openapi(testRoute, async (c) => {
    const { message } = c.req.valid("json");
    const result = await sendTestNotification(
      { ...deps(c), env: c.env, settings: readOpsSettings(c.env) },
      { actor: c.get("auth").sub, message },
    );
    return c.json(result, 200);
  })
  .openapi(ackRoute, async (c) => {
    const { reason, expiresInMin } = c.req.valid("json");
    const d = deps(c);
    const r = await acknowledgeAlert(d, {
      alertId: c.req.valid("param").alertId,
      actor: c.get("auth").sub,
      reason,
      expiresAtMs: d.deps.clock.nowMs() + expiresInMin * 60_000,
    });
    if (!r.ok) fail(r.error);
    return c.json(toAlert(r.value), 200);
  })
  .openapi(silenceRoute, async (c) => {
    const { matcher, reason, expiresInMin } = c.req.valid("json");
    const d = deps(c);
    const silence = await createSilence(d, {
      matcher,
      reason,
      actor: c.get("auth").sub,
      expiresAtMs: d.deps.clock.nowMs() + expiresInMin * 60_000,
    });
    return c.json(silence, 201);
  })
  .openapi(endSilenceRoute, async (c) => {
    const r = await endSilence(deps(c), {
      silenceId: c.req.valid("param").silenceId,
      actor: c.get("auth").sub,
      reason: c.req.valid("json").reason,
    });
    if (!r.ok) fail(r.error);
    return c.json(r.value, 200);
  });

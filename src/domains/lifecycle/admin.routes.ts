/**
 * Operator routes under /api/v1/admin/lifecycle/ (role admin, enforced by path in src/app.ts): the
 * moderation queue and decisions, queue/slot removal, admin seat and retirement, operator wallet binding
 * (the dev demo wallet) and the audit trail. Every action records the admin, the reason and the time.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { declareRoute } from "../../http/access";
import type { AppEnv } from "../../http/app-env";
import { ApiError, errorResponses, notFound } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import { actorOf, dbOf, settingsOf, walletError } from "./lifecycle.http";
import { eventsOf } from "./lifecycle-events.service";
import { SUBJECT_KINDS } from "./lifecycle-events.tables";
import { ModerationDecisionSchema, ProfileStatusSchema, ProfileVersionSchema } from "./profiles/profile.model";
import { type ModerationFailure, moderateProfile, moderationQueue, profileVersionsOf } from "./profiles/profile.service";
import { type AdminSeatFailure, adminSeat } from "./promotion/admin-seat.service";
import { AdminActionSchema, QueueStatusSchema } from "./promotion/promotion.model";
import { type AdminFailure, adminMoveEntry, retireClone } from "./promotion/promotion.service";
import { AddressSchema, WalletSchema } from "./wallets/wallet.model";
import { bindWalletAsOperator } from "./wallets/wallet.service";

const P = "/admin/lifecycle";
const body = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } }, required: true });
const CloneParams = z.object({ cloneId: z.string().min(1).max(80) });
const EntryResultSchema = z.object({ cloneId: z.string(), status: QueueStatusSchema }).openapi("QueueEntryMoved");
const adminErrors = errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict");

function adminError(f: AdminFailure | ModerationFailure): ApiError {
  if (f.kind === "not_found") return notFound("entry");
  if (f.kind === "already_retired") return new ApiError("conflict", "the clone is already retired", { code: f.kind });
  return new ApiError("conflict", `cannot ${f.event} from ${f.from}`, { code: "invalid_transition", ...f });
}

const moderationListRoute = declareRoute({
  access: { role: "admin" },
  method: "get",
  path: `${P}/moderation`,
  tags: ["admin"],
  summary: "Profile versions by moderation status (default pending), oldest first",
  request: { query: z.object({ status: ProfileStatusSchema.default("pending") }) },
  responses: { 200: jsonResponse(z.object({ versions: z.array(ProfileVersionSchema) }), "Versions"), ...adminErrors },
});

const DECISION_SUMMARIES = {
  approve: "Approve a pending profile version (it becomes the public one)",
  reject: "Reject a pending profile version with a reason",
  takedown:
    "Take an approved profile version down (approved -> rejected) with a reason; the previous approved version, if any, becomes public",
} as const;

const decide = (decision: keyof typeof DECISION_SUMMARIES) =>
  declareRoute({
    access: { role: "admin" },
    method: "post",
    path: `${P}/moderation/{versionId}/${decision}`,
    tags: ["admin"],
    summary: DECISION_SUMMARIES[decision],
    request: {
      params: z.object({ versionId: z.string().min(1).max(80) }),
      body: body(decision === "approve" ? ModerationDecisionSchema : AdminActionSchema),
    },
    responses: { 200: jsonResponse(ProfileVersionSchema, "The moderated version"), ...adminErrors },
  });

const versionsRoute = declareRoute({
  access: { role: "admin" },
  method: "get",
  path: `${P}/clones/{cloneId}/profile-versions`,
  tags: ["admin"],
  summary: "Every profile version of a clone, newest first",
  request: { params: CloneParams },
  responses: { 200: jsonResponse(z.object({ versions: z.array(ProfileVersionSchema) }), "Versions"), ...adminErrors },
});

const entryRoute = (what: "queue" | "slots") =>
  declareRoute({
    access: { role: "admin" },
    method: "post",
    path: `${P}/${what}/{cloneId}/remove`,
    tags: ["admin"],
    summary:
      what === "queue"
        ? "Remove a clone from the Promotion Queue"
        : "Remove a clone from its Arena slot (the arena-entry worker refills it)",
    request: { params: CloneParams, body: body(AdminActionSchema) },
    responses: { 200: jsonResponse(EntryResultSchema, "The entry's new status"), ...adminErrors },
  });

const seatRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: `${P}/slots/{cloneId}/seat`,
  tags: ["admin"],
  summary:
    "Seat a clone in the lowest free Arena slot without an audition (operations and the local demo); never a retired or removed clone; idempotent; audited",
  request: { params: CloneParams, body: body(AdminActionSchema) },
  responses: {
    200: jsonResponse(
      z
        .object({
          cloneId: z.string(),
          status: z.literal("seated"),
          slot: z.number().int(),
          seatedNow: z.boolean().openapi({ description: "false when the clone already held the slot (nothing written)" }),
        })
        .openapi("AdminSeated"),
      "The clone's slot",
    ),
    ...adminErrors,
  },
});

function seatError(f: AdminSeatFailure): ApiError {
  if (f.kind === "no_free_slot") return new ApiError("conflict", "every Arena slot is taken", { code: f.kind });
  return adminError(f);
}

const retireRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: `${P}/clones/{cloneId}/retire`,
  tags: ["admin"],
  summary: "Retire a clone: out of the queue and its slot, never auditions again",
  request: { params: CloneParams, body: body(AdminActionSchema) },
  responses: { 200: jsonResponse(EntryResultSchema, "Retired"), ...adminErrors },
});

const bindWalletRoute = declareRoute({
  access: { role: "admin" },
  method: "put",
  path: `${P}/wallets/{userId}`,
  tags: ["admin"],
  summary:
    "Bind a wallet to a user without a signature (development only, ADMIN_WALLET_BINDING; e.g. the dev demo wallet). Never the zero address or the fee treasury; audited.",
  request: {
    params: z.object({ userId: z.string().min(1).max(120) }),
    body: body(
      z.object({ address: AddressSchema.openapi({ type: "string" }), reason: z.string().trim().min(3).max(300) }).openapi("BindWallet"),
    ),
  },
  responses: {
    200: jsonResponse(WalletSchema, "The bound wallet"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict", "unprocessable"),
  },
});

const eventsRoute = declareRoute({
  access: { role: "admin" },
  method: "get",
  path: `${P}/events`,
  tags: ["admin"],
  summary: "The audit trail of one payment, audition, profile version or queue entry",
  request: { query: z.object({ subjectKind: z.enum(SUBJECT_KINDS), subjectId: z.string().min(1).max(120) }) },
  responses: {
    200: jsonResponse(
      z.object({
        events: z.array(
          z.object({
            id: z.string(),
            subjectKind: z.string(),
            subjectId: z.string(),
            cloneId: z.string().nullable(),
            fromState: z.string().nullable(),
            toState: z.string(),
            event: z.string(),
            actor: z.string(),
            reason: z.string().nullable(),
            atMs: z.number().int(),
          }),
        ),
      }),
      "Events, oldest first",
    ),
    ...adminErrors,
  },
});

/** Remove from the queue (`remove`) or from a slot (`unseat`): one handler, the event differs. */
async function moveEntry(c: Context<AppEnv>, event: "remove" | "unseat") {
  const cloneId = c.req.param("cloneId") as string;
  const { reason } = AdminActionSchema.parse(await c.req.json());
  const moved = await adminMoveEntry(dbOf(c), c.get("deps"), cloneId, event, actorOf(c), reason);
  if (!moved.ok) throw adminError(moved.error);
  return c.json(moved.value as z.infer<typeof EntryResultSchema>, 200);
}

/** Reject a pending version or take an approved one down: both need a reason. */
async function decideWithReason(c: Context<AppEnv>, event: "reject" | "takedown") {
  const { reason } = AdminActionSchema.parse(await c.req.json());
  const done = await moderateProfile(dbOf(c), c.get("deps"), c.req.param("versionId") as string, event, actorOf(c), reason);
  if (!done.ok) throw adminError(done.error);
  return c.json(done.value, 200);
}

export const lifecycleAdminRoutes = createRouter()
  .openapi(moderationListRoute, async (c) => c.json({ versions: await moderationQueue(dbOf(c), c.req.valid("query").status) }, 200))
  .openapi(decide("approve"), async (c) => {
    const { reason } = c.req.valid("json") as { reason?: string };
    const done = await moderateProfile(dbOf(c), c.get("deps"), c.req.valid("param").versionId, "approve", actorOf(c), reason ?? null);
    if (!done.ok) throw adminError(done.error);
    return c.json(done.value, 200);
  })
  .openapi(decide("reject"), (c) => decideWithReason(c, "reject"))
  .openapi(decide("takedown"), (c) => decideWithReason(c, "takedown"))
  .openapi(versionsRoute, async (c) => c.json({ versions: await profileVersionsOf(dbOf(c), c.req.valid("param").cloneId) }, 200))
  .openapi(entryRoute("queue"), (c) => moveEntry(c, "remove"))
  .openapi(entryRoute("slots"), (c) => moveEntry(c, "unseat"))
  .openapi(seatRoute, async (c) => {
    const seated = await adminSeat(dbOf(c), c.get("deps"), {
      cloneId: c.req.valid("param").cloneId,
      slotCount: settingsOf(c).ARENA_SLOTS,
      actor: actorOf(c),
      reason: c.req.valid("json").reason,
    });
    if (!seated.ok) throw seatError(seated.error);
    return c.json(seated.value, 200);
  })
  .openapi(retireRoute, async (c) => {
    const retired = await retireClone(dbOf(c), c.get("deps"), c.req.valid("param").cloneId, actorOf(c), c.req.valid("json").reason);
    if (!retired.ok) throw adminError(retired.error);
    return c.json(retired.value, 200);
  })
  .openapi(bindWalletRoute, async (c) => {
    const { address, reason } = c.req.valid("json");
    const bound = await bindWalletAsOperator(dbOf(c), c.get("deps"), settingsOf(c), {
      appEnv: c.env.APP_ENV,
      userId: c.req.valid("param").userId,
      address,
      reason,
      actor: actorOf(c),
    });
    if (!bound.ok) throw walletError(bound.error);
    return c.json(bound.value, 200);
  })
  .openapi(eventsRoute, async (c) => {
    const q = c.req.valid("query");
    return c.json({ events: await eventsOf(dbOf(c), q.subjectKind, q.subjectId) }, 200);
  });

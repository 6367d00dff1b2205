/**
 * Audition and public-profile routes (client API). Submitting and listing auditions and writing a
 * profile are owner-scoped (owner or admin; 404 otherwise); the public profile, the Promotion Queue
 * and the Arena slots are readable with any valid token and show approved profile versions only.
 */
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../../http/access";
import { assertOwner } from "../../../http/auth";
import { ApiError, errorResponses, notFound } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { ownedClone } from "../../strategy";
import { actorOf, auditionError, dbOf, settingsOf } from "../lifecycle.http";
import { ProfileInputSchema, ProfileVersionSchema, PublicProfileSchema } from "../profiles/profile.model";
import { publicProfile, submitProfile } from "../profiles/profile.service";
import { QueueEntrySchema, SlotSchema } from "../promotion/promotion.model";
import { listQueue, listSlots } from "../promotion/promotion.service";
import { auditionAccountsOf, auditionRules } from "./audition.accounts";
import { AuditionSchema } from "./audition.model";
import { findAudition, listAuditions, submitAudition, toAudition } from "./audition.service";

const CloneParams = z.object({ cloneId: z.string().min(1).max(80) });

const submitAuditionRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "post",
  path: "/clones/{cloneId}/auditions",
  tags: ["lifecycle"],
  summary: "Submit the clone to an audition: consumes one credit and opens an `audition` prop account",
  request: { params: CloneParams },
  responses: {
    201: jsonResponse(AuditionSchema, "The audition, running"),
    ...errorResponses("unauthorized", "forbidden", "not_found", "conflict", "unprocessable", "upstream_unavailable"),
  },
});

const listAuditionsRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/clones/{cloneId}/auditions",
  tags: ["lifecycle"],
  summary: "The clone's auditions, oldest first (owner or admin)",
  request: { params: CloneParams },
  responses: {
    200: jsonResponse(z.object({ auditions: z.array(AuditionSchema) }), "Auditions"),
    ...errorResponses("unauthorized", "not_found"),
  },
});

const getAuditionRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/auditions/{auditionId}",
  tags: ["lifecycle"],
  summary: "One audition (owner or admin)",
  request: { params: z.object({ auditionId: z.string().min(1).max(80) }) },
  responses: { 200: jsonResponse(AuditionSchema, "The audition"), ...errorResponses("unauthorized", "not_found") },
});

const putProfileRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "put",
  path: "/clones/{cloneId}/profile",
  tags: ["lifecycle"],
  summary: "Submit a new public profile version; it enters moderation as pending (the public keeps the last approved one)",
  request: { params: CloneParams, body: { content: { "application/json": { schema: ProfileInputSchema } }, required: true } },
  responses: {
    201: jsonResponse(ProfileVersionSchema, "The pending version"),
    ...errorResponses("validation_failed", "unauthorized", "not_found", "conflict"),
  },
});

const getProfileRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/profiles/{cloneId}",
  tags: ["lifecycle"],
  summary: "The clone's public profile: its last approved version (any valid token)",
  request: { params: CloneParams },
  responses: { 200: jsonResponse(PublicProfileSchema, "The approved profile"), ...errorResponses("unauthorized", "not_found") },
});

const queueRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/arena/queue",
  tags: ["lifecycle"],
  summary: "The Promotion Queue in admission order (score desc, then time passed, then clone id)",
  responses: { 200: jsonResponse(z.object({ entries: z.array(QueueEntrySchema) }), "Queued clones"), ...errorResponses("unauthorized") },
});

const slotsRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/arena/slots",
  tags: ["lifecycle"],
  summary: "The Arena slots, occupied or free, with the approved profiles of their clones",
  responses: {
    200: jsonResponse(z.object({ slotCount: z.number().int(), slots: z.array(SlotSchema) }), "Slots"),
    ...errorResponses("unauthorized"),
  },
});

export const auditionRoutes = createRouter()
  .openapi(submitAuditionRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const deps = c.get("deps");
    const submitted = await submitAudition(
      dbOf(c),
      deps,
      settingsOf(c),
      auditionAccountsOf(deps, c.env, auditionRules(settingsOf(c))),
      clone,
      actorOf(c),
    );
    if (!submitted.ok) throw auditionError(submitted.error);
    return c.json(submitted.value, 201);
  })
  .openapi(listAuditionsRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    return c.json({ auditions: (await listAuditions(dbOf(c), clone.id)).map(toAudition) }, 200);
  })
  .openapi(getAuditionRoute, async (c) => {
    const row = await findAudition(dbOf(c), c.req.valid("param").auditionId);
    if (!row) throw notFound("audition");
    assertOwner(c.get("auth"), row.ownerId, "audition");
    return c.json(toAudition(row), 200);
  })
  .openapi(putProfileRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const submitted = await submitProfile(dbOf(c), c.get("deps"), clone.id, c.req.valid("json"), actorOf(c));
    if (!submitted.ok) throw new ApiError("conflict", "another clone uses this display name", { code: "name_taken" });
    return c.json(submitted.value, 201);
  })
  .openapi(getProfileRoute, async (c) => {
    const profile = await publicProfile(dbOf(c), c.req.valid("param").cloneId);
    if (!profile) throw notFound("profile");
    return c.json(profile, 200);
  })
  .openapi(queueRoute, async (c) => c.json({ entries: await listQueue(dbOf(c)) }, 200))
  .openapi(slotsRoute, async (c) => {
    const slotCount = settingsOf(c).ARENA_SLOTS;
    return c.json({ slotCount, slots: await listSlots(dbOf(c), slotCount) }, 200);
  });

/**
 * Clone routes: the model catalog, owner-scoped clone CRUD, and the admin route that sets a user's
 * entitlement. Thin: parse, call the service, map. Another user's clone answers 404.
 */
import { z } from "@hono/zod-openapi";
import { openDb } from "../../../db/client";
import { declareRoute } from "../../../http/access";
import { errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { CloneParamsSchema, cloneFailureError, ownedClone } from "./clone-access.http";
import { CloneSchema, CreateCloneSchema, EntitlementInputSchema, EntitlementSchema, ModelSchema, PatchCloneSchema } from "./clones.model";
import { createClone, deleteClone, listClones, setEntitlement, updateClone } from "./clones.service";
import { MODELS } from "./models.data";

const modelsRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/models",
  tags: ["clones"],
  summary:
    "The model catalog: every decision engine a clone can pick, with strength tier (1 light, 2 standard, 3 frontier), provider and price per million tokens",
  responses: { 200: jsonResponse(z.array(ModelSchema), "Every model"), ...errorResponses("unauthorized") },
});

const createCloneRoute = declareRoute({
  access: { role: "user" },
  method: "post",
  path: "/clones",
  tags: ["clones"],
  summary: "Create a clone (with an empty pipeline at version 0); seeds the default entitlement on the first clone",
  request: { body: { content: { "application/json": { schema: CreateCloneSchema } }, required: true } },
  responses: {
    201: jsonResponse(CloneSchema, "The new clone"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "unprocessable"),
  },
});

const listClonesRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/clones",
  tags: ["clones"],
  summary: "The caller's clones, oldest first",
  responses: { 200: jsonResponse(z.object({ clones: z.array(CloneSchema) }), "Own clones"), ...errorResponses("unauthorized") },
});

const getCloneRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/clones/{cloneId}",
  tags: ["clones"],
  summary: "One clone (owner or admin)",
  request: { params: CloneParamsSchema },
  responses: { 200: jsonResponse(CloneSchema, "The clone"), ...errorResponses("unauthorized", "not_found") },
});

const patchCloneRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "patch",
  path: "/clones/{cloneId}",
  tags: ["clones"],
  summary: "Rename, change model, switch trading on/off (model above the entitlement: 403)",
  request: { params: CloneParamsSchema, body: { content: { "application/json": { schema: PatchCloneSchema } }, required: true } },
  responses: {
    200: jsonResponse(CloneSchema, "The updated clone"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "unprocessable"),
  },
});

const deleteCloneRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "delete",
  path: "/clones/{cloneId}",
  tags: ["clones"],
  summary: "Delete a clone and its pipeline",
  request: { params: CloneParamsSchema },
  responses: { 204: { description: "Deleted" }, ...errorResponses("unauthorized", "not_found") },
});

const setEntitlementRoute = declareRoute({
  access: { role: "admin" },
  method: "put",
  path: "/admin/users/{userId}/entitlements",
  tags: ["admin"],
  summary: "Set a user's clone capacity entitlement (source becomes admin)",
  request: {
    params: z.object({ userId: z.string().min(1).max(120) }),
    body: { content: { "application/json": { schema: EntitlementInputSchema } }, required: true },
  },
  responses: {
    200: jsonResponse(EntitlementSchema, "The stored entitlement"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const cloneRoutes = createRouter()
  .openapi(modelsRoute, (c) => c.json([...MODELS], 200))
  .openapi(createCloneRoute, async (c) => {
    const created = await createClone(openDb(c.env.DB), c.get("deps"), c.get("auth").sub, c.req.valid("json"));
    if (!created.ok) throw cloneFailureError(created.error);
    return c.json(created.value, 201);
  })
  .openapi(listClonesRoute, async (c) => c.json({ clones: await listClones(openDb(c.env.DB), c.get("auth").sub) }, 200))
  .openapi(getCloneRoute, async (c) => c.json(await ownedClone(c, c.req.valid("param").cloneId), 200))
  .openapi(patchCloneRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const updated = await updateClone(openDb(c.env.DB), c.get("deps"), clone, c.req.valid("json"));
    if (!updated.ok) throw cloneFailureError(updated.error);
    return c.json(updated.value, 200);
  })
  .openapi(deleteCloneRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    await deleteClone(openDb(c.env.DB), clone.id);
    return c.body(null, 204);
  })
  .openapi(setEntitlementRoute, async (c) =>
    c.json(await setEntitlement(openDb(c.env.DB), c.get("deps"), c.req.valid("param").userId, c.req.valid("json")), 200),
  );

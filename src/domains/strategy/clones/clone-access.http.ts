/**
 * HTTP-side helpers shared by the clone and pipeline routes: the path params, a response helper, loading
 * a clone the caller may see (404 for another user's clone, never its data) and mapping clone failures.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { openDb } from "../../../db/client";
import type { AppEnv } from "../../../http/app-env";
import { assertOwner } from "../../../http/auth";
import { ApiError, notFound } from "../../../http/errors";
import type { Clone } from "./clones.model";
import { type CloneFailure, findClone } from "./clones.service";

export const CloneParamsSchema = z.object({ cloneId: z.string().min(1).max(80) });

/** The clone `cloneId` when the caller owns it (or is admin); otherwise a 404. */
export async function ownedClone(c: Context<AppEnv>, cloneId: string): Promise<Clone> {
  const clone = await findClone(openDb(c.env.DB), cloneId);
  if (!clone) throw notFound("clone");
  assertOwner(c.get("auth"), clone.ownerId, "clone");
  return clone;
}

/**
 * unknown model -> 422; model above the entitlement -> 403 with both strengths in details; clone cap
 * reached -> 403 with the cap; a clone deleted mid-request -> 404.
 */
export function cloneFailureError(failure: CloneFailure): ApiError {
  if (failure.kind === "not_found") return notFound("clone");
  if (failure.kind === "clone_limit_reached") {
    return new ApiError("forbidden", `clone limit reached: at most ${failure.maxClones} clones`, {
      code: "clone_limit_reached",
      maxClones: failure.maxClones,
    });
  }
  if (failure.kind === "unknown_model") {
    return new ApiError("unprocessable", `unknown model ${failure.modelId}`, { code: "unknown_model", modelId: failure.modelId });
  }
  return new ApiError("forbidden", failure.details.message, { code: "model_strength_exceeded", ...failure.details });
}

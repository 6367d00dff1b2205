/**
 * Every domain builds its routes on `createRouter()`: an OpenAPIHono whose validation failures
 * render the standard error envelope (400 `validation_failed` with the zod issues).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { errorResponse } from "./errors";

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return errorResponse(c, "validation_failed", `invalid request ${result.target}`, {
          target: result.target,
          issues: result.error.issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message })),
        });
      }
      return undefined;
    },
  });
}

export type Router = ReturnType<typeof createRouter>;

/** OpenAPI security requirement for bearer-token routes (the default) and for public ones. */
export const BEARER = [{ bearerAuth: [] }];
export const PUBLIC: [] = [];

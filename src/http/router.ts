/**
 * Every domain builds its routes on `createRouter()`: an OpenAPIHono whose validation failures
 * render the standard error envelope (400 `validation_failed` with the zod issues).
 */
import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
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

/** An OpenAPI JSON response entry: `200: jsonResponse(Schema, "what it is")`. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

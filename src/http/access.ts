/**
 * Per-route access declarations: every API route states who may call it, once, next to its zod
 * declaration, and the same declaration is enforced and published.
 *
 *   const getThing = declareRoute({
 *     access: { role: "user", owner: true },      // ← the declaration
 *     method: "get", path: "/things/{thingId}", ... // ← the usual createRoute config
 *   });
 *
 * `access` fields:
 *   role          "public"  anyone, no token (also add the path to PUBLIC_PATHS in src/app.ts)
 *                 "user"    any valid token (user, service or admin)
 *                 "service" role service or admin (routes under /internal)
 *                 "admin"   role admin (routes under /admin)
 *   owner         true when the path names a resource owned by a user: the route must answer 404 to
 *                 anyone else (assertOwner), admins see everything. The matrix test checks it with a fixture.
 *   maxBodyBytes  body cap, checked before parsing (413); default DEFAULT_MAX_BODY_BYTES.
 *   rateLimit     "write" (default for non-GET), "read" (an expensive read: say so) or "none" (default for
 *                 GET); per user and per client IP, 429 with Retry-After (src/http/rate-limit.ts).
 *
 * The declaration lands in the OpenAPI documents as `x-access`; test/integration/api-matrix.test.ts
 * builds the route × identity matrix from both documents and fails for an operation without one.
 * Enforcement is the route's first middleware (before the zod validators read the body): role, rate
 * limit, content type (415 unless the route declares it), body size (413). The path-prefix guards in
 * src/app.ts stay as a floor, so an undeclared route is never more open than its prefix.
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { requireAuth } from "./auth";
import { ApiError } from "./errors";
import { enforceRateLimit } from "./rate-limit";
import type { RateRule } from "./rate-limit.model";

export type AccessRole = "public" | "user" | "service" | "admin";

export interface Access {
  role: AccessRole;
  owner?: boolean;
  maxBodyBytes?: number;
  rateLimit?: RateRule | "none";
}

/**
 * HTML pages (outside /api/v1, not in the OpenAPI documents) declare their access the same way, in a
 * list next to their routes, so the matrix test covers them too. `credential: "form"` means the token
 * is posted in the form field `token` (a sign-in form) rather than sent as `Authorization`; `ok` is the
 * status of an admitted caller.
 */
export interface PageAccess {
  method: "GET" | "POST";
  path: string;
  role: AccessRole;
  credential?: "header" | "form";
  ok: number;
}

/** Default body cap: every JSON request of the API today is well under a kilobyte or two. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The roles a declared role admits. */
export const ROLES_ADMITTED: Record<Exclude<AccessRole, "public">, ReadonlyArray<"user" | "service" | "admin">> = {
  user: ["user", "service", "admin"],
  service: ["service", "admin"],
  admin: ["admin"],
};

/** The declaration of a route built with `declareRoute`, as published under `x-access`. */
export type PublishedAccess = Required<Pick<Access, "role" | "owner" | "maxBodyBytes">> & { rateLimit: RateRule | "none" };

export function publishedAccess(method: string, access: Access): PublishedAccess {
  return {
    role: access.role,
    owner: access.owner ?? false,
    maxBodyBytes: access.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    rateLimit: access.rateLimit ?? (method.toLowerCase() === "get" ? "none" : "write"),
  };
}

const mediaType = (header: string | undefined) => (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.body !== null;
}

function guard(access: PublishedAccess, mediaTypes: readonly string[]): MiddlewareHandler<AppEnv>[] {
  const roleCheck = createMiddleware<AppEnv>(async (c, next) => {
    if (access.role !== "public") {
      if (!c.get("auth")) await requireAuth(c, async () => {});
      if (!ROLES_ADMITTED[access.role].includes(c.get("auth").role)) throw new ApiError("forbidden", "insufficient role for this route");
    }
    if (access.rateLimit !== "none") await enforceRateLimit(c, access.rateLimit);
    if (hasBody(c.req.raw) && !mediaTypes.includes(mediaType(c.req.header("content-type")))) {
      const accepted = mediaTypes.length ? mediaTypes.join(", ") : "no body";
      throw new ApiError("unsupported_media_type", `unsupported content type; this route accepts ${accepted}`);
    }
    await next();
  });
  const sizeCheck = bodyLimit({
    maxSize: access.maxBodyBytes,
    onError: () => {
      throw new ApiError("payload_too_large", `request body larger than ${access.maxBodyBytes} bytes`);
    },
  });
  return [roleCheck, sizeCheck];
}

/** `createRoute` with its access declaration: published as `x-access`, enforced by the route's first middleware. */
export function declareRoute<const R extends Omit<RouteConfig, "middleware">>(config: R & { access: Access }) {
  const { access, ...route } = config;
  const published = publishedAccess(route.method, access);
  const mediaTypes = Object.keys(route.request?.body?.content ?? {});
  const declared = { ...route, "x-access": published, middleware: guard(published, mediaTypes) };
  return createRoute(declared as Omit<R, "access"> & { middleware: MiddlewareHandler<AppEnv>[] });
}

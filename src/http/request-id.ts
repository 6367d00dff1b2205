/** Every response carries `X-Request-Id`: the caller's (if sane) or a fresh one. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const id = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : c.get("deps").ids.next("req");
  c.set("requestId", id);
  c.header("X-Request-Id", id);
  await next();
  c.header("X-Request-Id", id);
});

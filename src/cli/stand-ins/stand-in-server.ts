/**
 * A tiny Node HTTP server for stand-ins of external services, with stateless fault injection so
 * parallel tests never share fault state: a base URL of `<url>/__fault/<kind>/<pathPrefix>` makes
 * every request whose path starts with `/<pathPrefix>` fail with `kind`:
 *   `500` (status 500), `timeout` (holds the request for `hangMs`, longer than any client timeout),
 *   `malformed` (the real answer cut in half, so not JSON),
 *   `repeat-cursor` (a keyset page whose `next_cursor` is the cursor the request came with, or the
 *   first page's own next cursor again: a server stuck on one page).
 * `pathPrefix` may end with `+paged` to fault only requests that carry `after_cursor` (a later page).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (url: URL) => { status: number; body: string } | undefined;

const FAULT = /^\/__fault\/(500|timeout|malformed|repeat-cursor)\/([^/]+)(\/.*)$/;

export async function startStandIn(name: string, handler: Handler, hangMs = 20_000): Promise<{ url: string; stop(): Promise<void> }> {
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    let fault: string | undefined;
    const m = FAULT.exec(url.pathname);
    if (m) {
      const [, kind, encodedPrefix, rest] = m as unknown as [string, string, string, string];
      const rawPrefix = decodeURIComponent(encodedPrefix);
      url.pathname = rest;
      const pagedOnly = rawPrefix.endsWith("+paged");
      const prefix = `/${rawPrefix.replace(/\+paged$/, "")}`;
      if (rest.startsWith(prefix) && (!pagedOnly || url.searchParams.has("after_cursor"))) fault = kind;
    }
    if (fault === "500") return send(res, 500, JSON.stringify({ error: "injected 500" }));
    if (fault === "timeout") {
      hanging.add(res);
      setTimeout(() => {
        hanging.delete(res);
        send(res, 504, "{}");
      }, hangMs).unref();
      return;
    }
    const answer = handler(url) ?? { status: 404, body: JSON.stringify({ error: `${name} stand-in: no recording for ${url.pathname}` }) };
    let body = fault === "malformed" ? answer.body.slice(0, Math.floor(answer.body.length / 2)) : answer.body;
    const asked = url.searchParams.get("after_cursor");
    if (fault === "repeat-cursor" && asked) body = JSON.stringify({ ...(JSON.parse(body) as object), next_cursor: asked });
    return send(res, answer.status, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body);
}

export const json = (value: unknown, status = 200) => ({ status, body: JSON.stringify(value) });

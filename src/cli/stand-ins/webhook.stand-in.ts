/**
 * Webhook receiver stand-in for alert notifications: accepts POSTs on any path (a generic signed JSON
 * webhook or a Slack-compatible incoming webhook), records them, and checks the generic webhook's
 * HMAC-SHA256 signature when started with the secret (`x-clash-signature: v1=<hex>` over
 * "<x-clash-timestamp>.<body>", see src/domains/ops/alerts/notify.service.ts).
 *
 *   POST <url>/<any path>                     recorded; 200 `ok`
 *   POST <url>/fail/<n>/<any path>            the first n requests to that exact path answer 503, then 200
 *   POST <url>/down/<any path>                always 500 (a broken channel)
 *   GET  <url>/__received?path=/<any path>    the requests recorded for that path (path as sent), oldest first
 *
 * Tests use a unique path each, so parallel test files never see each other's deliveries.
 * Callers: test/global-setup.ts (URL provided as `webhookUrl`), `npm start` (src/cli/lib/local-services.ts).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAtMs: number;
  /** Null when the stand-in has no secret or the request carries no signature. */
  signatureValid: boolean | null;
  /** Whether the timestamp header is inside the replay window of this receiver's clock. */
  withinReplayWindow: boolean | null;
}

const REPLAY_WINDOW_SEC = 300;

export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  const given = header.startsWith("v1=") ? header.slice(3) : "";
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export async function startWebhookStandIn(options: { secret?: string; port?: number; log?: (line: string) => void } = {}) {
  const received = new Map<string, ReceivedWebhook[]>();
  const failuresLeft = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "GET" && url.pathname === "/__received") return send(200, received.get(url.searchParams.get("path") ?? "") ?? []);
      if (req.method !== "POST") return send(405, { error: "POST a webhook" });
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]));
      const timestamp = headers["x-clash-timestamp"];
      const signature = headers["x-clash-signature"];
      const signatureValid = options.secret && timestamp && signature ? verifySignature(options.secret, timestamp, body, signature) : null;
      const withinReplayWindow = timestamp ? Math.abs(Date.now() / 1000 - Number(timestamp)) <= REPLAY_WINDOW_SEC : null;
      const path = url.pathname;
      const list = received.get(path) ?? [];
      list.push({ path, headers, body, receivedAtMs: Date.now(), signatureValid, withinReplayWindow });
      received.set(path, list);
      options.log?.(`webhook ${path}: ${body.slice(0, 160)}${signatureValid === false ? " (BAD SIGNATURE)" : ""}`);
      if (path.startsWith("/down/")) return send(500, { error: "injected 500" });
      const flaky = /^\/fail\/(\d+)\//.exec(path);
      if (flaky) {
        const left = failuresLeft.get(path) ?? Number(flaky[1]);
        if (left > 0) {
          failuresLeft.set(path, left - 1);
          return send(503, { error: "injected 503" });
        }
      }
      return send(200, { ok: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    received: (path: string) => received.get(path) ?? [],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

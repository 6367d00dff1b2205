/** A small JSON client over the real Worker (`SELF`) for the API hardening tests. */
import { SELF } from "cloudflare:test";
import { bearer } from "./auth";

export const API = "https://api.test/api/v1";

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any;
  headers: Headers;
}

/** Calls `method path` as `user` (role `role`) with a JSON body; parses JSON answers. */
export async function callApi(
  user: string,
  method: string,
  path: string,
  body?: unknown,
  role: "user" | "admin" | "service" = "user",
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(await bearer(user, role)), "content-type": "application/json", ...extraHeaders };
  const res = await SELF.fetch(`${API}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** True when `body` is the one error envelope. */
export function isEnvelope(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | undefined)?.error;
  return typeof error?.code === "string" && typeof error.message === "string" && typeof error.requestId === "string";
}

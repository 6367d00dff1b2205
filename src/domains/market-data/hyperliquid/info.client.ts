/**
 * The one way the backend calls Hyperliquid's info endpoint: POST a JSON body, parse the answer with
 * the caller's zod schema. A transport error, a non-2xx status or a malformed body is a thrown
 * `InfoRequestError` (jobs record it on their heartbeat; the feed counts it and retries later).
 */
import type { z } from "zod";

export class InfoRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "InfoRequestError";
  }
}

/** Posts `body` to `infoUrl` and returns the answer parsed with `schema`. */
export async function postInfo<S extends z.ZodType>(infoUrl: string, body: Record<string, unknown>, schema: S): Promise<z.infer<S>> {
  const res = await fetch(infoUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new InfoRequestError(`info ${String(body.type)} answered ${res.status}: ${text.slice(0, 200)}`, res.status);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InfoRequestError(`info ${String(body.type)} answered invalid JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new InfoRequestError(`info ${String(body.type)} answer is malformed at ${first?.path.join(".") ?? "?"}: ${first?.message ?? ""}`);
  }
  return parsed.data;
}

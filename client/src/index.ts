/**
 * Typed client of the Clash Arena client API: openapi-fetch over the types openapi-typescript
 * generates from doc/openapi/client-api.openapi.yaml (client/src/schema.d.ts, `npm run client:generate`).
 * Requests, responses and the error envelope are typed by path and method:
 *
 *   const api = createArenaClient({ baseUrl: "http://127.0.0.1:8787", token: () => myJwt });
 *   const { data, error, response } = await api.POST("/api/v1/clones", { body: { name: "Momentum", modelId: "hold" } });
 *   const clone = unwrap(await api.GET("/api/v1/clones/{cloneId}", { params: { path: { cloneId } } }));
 *
 * Bearer auth: `token` (a string or a function, so a caller can refresh it) goes into `Authorization`.
 * Rate limits: a 429 is retried up to `maxRetries` times, waiting what `Retry-After` says (seconds or an
 * HTTP date; capped by `maxRetryDelayMs`), or an exponential backoff when the header is absent. Every
 * attempt sends a fresh clone of the request, so bodies are replayed intact. Other statuses are never
 * retried (a write may have happened).
 */
import createClient, { type Client, type FetchResponse } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths } from "./schema";
/** The one error envelope `{ error: { code, message, details?, requestId } }`. */
export type ApiErrorEnvelope = components["schemas"]["Error"];
export type ApiErrorCode = ApiErrorEnvelope["error"]["code"];
export type Schemas = components["schemas"];

export interface ArenaClientOptions {
  baseUrl: string;
  /** The bearer token, or a function returning it (called per request). */
  token?: string | (() => string | Promise<string>);
  /** Retries of a 429 answer (default 3). */
  maxRetries?: number;
  /** Longest wait honoured for one retry (default 30 s); a longer Retry-After gives up with the 429. */
  maxRetryDelayMs?: number;
  /** Injected for tests: the underlying fetch and the sleep between retries. */
  fetch?: (request: Request) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
  /** The clock Retry-After dates are read against (default Date.now). */
  nowMs?: () => number;
}

/** Milliseconds a `Retry-After` value asks for (delta-seconds or an HTTP date), or undefined if unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A fetch that retries 429 answers as described in the header comment. */
export function retryingFetch(options: Pick<ArenaClientOptions, "maxRetries" | "maxRetryDelayMs" | "fetch" | "sleep" | "nowMs"> = {}) {
  const maxRetries = options.maxRetries ?? 3;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const base = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.nowMs ?? Date.now;
  return async (request: Request): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      const response = await base(request.clone());
      if (response.status !== 429 || attempt >= maxRetries) return response;
      const wait = retryAfterMs(response.headers.get("retry-after"), now()) ?? 500 * 2 ** attempt;
      if (wait > maxDelay) return response;
      await response.body?.cancel();
      await sleep(wait);
    }
  };
}

export type ArenaClient = Client<paths>;

/** The typed client. */
export function createArenaClient(options: ArenaClientOptions): ArenaClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: retryingFetch(options) });
  const { token } = options;
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        request.headers.set("authorization", `Bearer ${typeof token === "function" ? await token() : token}`);
        return request;
      },
    });
  }
  return client;
}

/** A non-2xx answer as an Error carrying the envelope's code, message and request id. */
export class ArenaApiError extends Error {
  constructor(
    readonly status: number,
    readonly envelope: ApiErrorEnvelope | undefined,
  ) {
    super(envelope ? `${status} ${envelope.error.code}: ${envelope.error.message}` : `HTTP ${status}`);
    this.name = "ArenaApiError";
  }
  get code(): ApiErrorCode | undefined {
    return this.envelope?.error.code;
  }
}

/** The data of a successful answer, or throws ArenaApiError with the envelope. */
// biome-ignore lint/suspicious/noExplicitAny: mirrors openapi-fetch's own generic bounds
export function unwrap<T extends Record<string | number, any>, O, M extends `${string}/${string}`>(
  result: FetchResponse<T, O, M>,
): NonNullable<FetchResponse<T, O, M>["data"]> {
  if (result.error !== undefined || result.data === undefined) {
    throw new ArenaApiError(result.response.status, result.error as ApiErrorEnvelope | undefined);
  }
  return result.data as NonNullable<FetchResponse<T, O, M>["data"]>;
}

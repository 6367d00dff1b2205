/**
 * The one outbound HTTP client of market-data ingestion: every request has a timeout, bounded retries
 * with exponential backoff, honours `Retry-After` on 429/503, sends a real User-Agent, and validates
 * the body with zod. Failures are `UpstreamError`s with a kind the poll records (`http`, `timeout`,
 * `network`, `malformed`); a malformed body is not retried (the same bytes would come back).
 * Callers: the Polymarket and DefiLlama services, and Hyperliquid's info endpoint (info.client.ts,
 * a POST with a JSON body: registry, contexts and the feed's candleSnapshot backfills).
 */
import type { z } from "zod";

export interface HttpPolicy {
  timeoutMs: number;
  /** Extra attempts after the first (0 = one try). */
  retries: number;
  /** First backoff; doubles per attempt, capped by `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  userAgent: string;
}

export type UpstreamErrorKind = "http" | "timeout" | "network" | "malformed";

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${kind}: ${message} (${redact(url)})`);
    this.name = "UpstreamError";
  }
}

export interface FetchedJson<T> {
  data: T;
  /** The raw body, kept for the optional R2 archive. */
  raw: string;
}

/** Sleep is injectable so tests of the retry schedule do not wait. */
export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GETs `url` (or POSTs `postBody` as JSON), retrying transient failures, and parses the JSON body with `schema`. */
export async function fetchJson<S extends z.ZodType>(
  url: string,
  schema: S,
  policy: HttpPolicy,
  sleep: Sleep = realSleep,
  postBody?: unknown,
): Promise<FetchedJson<z.infer<S>>> {
  let lastError: UpstreamError | undefined;
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (attempt > 0) await sleep(backoffFor(attempt, policy, lastError));
    const outcome = await attemptOnce(url, policy, postBody);
    if (outcome instanceof UpstreamError) {
      lastError = outcome;
      if (!isRetryable(outcome)) break;
      continue;
    }
    return { data: parseBody(url, outcome.text, schema), raw: outcome.text };
  }
  throw lastError ?? new UpstreamError("network", url, "no attempt made");
}

interface Answer {
  text: string;
}
interface RetryHint {
  retryAfterMs?: number;
}

async function attemptOnce(url: string, policy: HttpPolicy, postBody: unknown): Promise<Answer | (UpstreamError & RetryHint)> {
  const controller = new AbortController();
  // The deadline covers the whole exchange, body included: a server that sends headers and then
  // stalls is as hung as one that never answers.
  const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
  try {
    const headers: Record<string, string> = { "user-agent": policy.userAgent, accept: "application/json" };
    const init: RequestInit = { headers, signal: controller.signal };
    if (postBody !== undefined) {
      headers["content-type"] = "application/json";
      init.method = "POST";
      init.body = JSON.stringify(postBody);
    }
    const res = await fetch(url, init);
    const text = await res.text();
    if (!res.ok) {
      const error: UpstreamError & RetryHint = new UpstreamError("http", url, `status ${res.status}`, res.status);
      const retryAfter = Number(res.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0) error.retryAfterMs = retryAfter * 1000;
      return error;
    }
    return { text };
  } catch (error) {
    if (controller.signal.aborted) return new UpstreamError("timeout", url, `no answer within ${policy.timeoutMs} ms`);
    return new UpstreamError("network", url, String((error as Error)?.message ?? error));
  } finally {
    clearTimeout(timer);
  }
}

function parseBody<S extends z.ZodType>(url: string, text: string, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpstreamError("malformed", url, "body is not JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UpstreamError("malformed", url, `unexpected shape at ${first?.path.join(".") || "(root)"}: ${first?.message}`);
  }
  return parsed.data;
}

/** 5xx, 429, 403 (DefiLlama's throttle answer), timeouts and network errors are worth another try. */
function isRetryable(error: UpstreamError): boolean {
  if (error.kind === "timeout" || error.kind === "network") return true;
  if (error.kind !== "http" || error.status === undefined) return false;
  return error.status >= 500 || error.status === 429 || error.status === 403;
}

/** Exported for unit tests: the wait before attempt `attempt` (1-based). */
export function backoffFor(attempt: number, policy: HttpPolicy, previous?: UpstreamError & RetryHint): number {
  const exponential = policy.backoffMs * 2 ** (attempt - 1);
  const hinted = previous?.retryAfterMs ?? 0;
  return Math.min(policy.maxBackoffMs, Math.max(exponential, hinted));
}

/** Query strings may carry ids, never secrets, but keep error text short. */
function redact(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}...` : url;
}

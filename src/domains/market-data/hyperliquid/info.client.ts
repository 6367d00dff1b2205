/**
 * The one way the backend calls Hyperliquid's info endpoint: POST a JSON body through the shared
 * outbound client (ingestion/ingestion-http.client.ts: deadline, abort, bounded retries, Retry-After), after
 * reserving the request's weight from the egress IP's budget (HyperliquidBudget) when a gate is
 * given, and parse the answer with the caller's zod schema. A transport error, a timeout, a non-2xx
 * status or a malformed body is a thrown `InfoRequestError` (jobs record it on their heartbeat; the
 * feed counts it and retries later). A 429 also shrinks the budget (`gate.penalize`).
 */
import type { z } from "zod";
import { fetchJson, type HttpPolicy, UpstreamError } from "../ingestion/ingestion-http.client";
import { INFO_REQUEST_WEIGHT, type WeightPriority } from "./budget/weight-budget.model";

export class InfoRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly kind?: string,
  ) {
    super(message);
    this.name = "InfoRequestError";
  }
}

/** Reserves weight before a request (the budget object behind an egress IP). */
export interface WeightGate {
  reserve(input: { weight: number; priority: WeightPriority; key?: number; maxWaitMs?: number }): Promise<{ granted: boolean }>;
  penalize(): Promise<unknown>;
}

export interface InfoOptions {
  gate?: WeightGate;
  weight?: number;
  priority?: WeightPriority;
  /** Backfills: the gap's start time (newest gaps are served first). */
  key?: number;
  timeoutMs?: number;
  /** Extra attempts on timeouts/5xx (each re-reserves its weight). Default 0: callers retry on their cadence. */
  retries?: number;
}

export const INFO_DEFAULT_TIMEOUT_MS = 10_000;

const policyOf = (options: InfoOptions): HttpPolicy => ({
  timeoutMs: options.timeoutMs ?? INFO_DEFAULT_TIMEOUT_MS,
  retries: 0,
  backoffMs: 500,
  maxBackoffMs: 10_000,
  userAgent: "clash-arena-backend/1 (+market-data)",
});

/** Posts `body` to `infoUrl` and returns the answer parsed with `schema`. */
export async function postInfo<S extends z.ZodType>(
  infoUrl: string,
  body: Record<string, unknown>,
  schema: S,
  options: InfoOptions = {},
): Promise<z.infer<S>> {
  const type = String(body.type);
  const retries = options.retries ?? 0;
  for (let attempt = 0; ; attempt++) {
    if (options.gate) {
      const grant = await options.gate.reserve({
        weight: options.weight ?? INFO_REQUEST_WEIGHT,
        priority: options.priority ?? "poll",
        key: options.key,
      });
      if (!grant.granted) throw new InfoRequestError(`info ${type}: no weight granted by the budget in time`, undefined, "budget");
    }
    try {
      return (await fetchJson(infoUrl, schema, policyOf(options), undefined, body)).data;
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      if (error.status === 429) await options.gate?.penalize();
      const transient = error.kind === "timeout" || error.kind === "network" || (error.status ?? 0) >= 500;
      if (attempt < retries && transient) continue;
      throw new InfoRequestError(`info ${type} ${error.message}`, error.status, error.kind);
    }
  }
}

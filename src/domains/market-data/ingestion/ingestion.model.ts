/**
 * Ingestion settings (part of market-data.config.ts, parsed once per isolate) and the shapes shared by every
 * source's poll: a poll plan (statements + per-channel counts) and the run outcome.
 */
import { z } from "zod";
import type { Channel, Source } from "../channels.model";
import type { HttpPolicy } from "./ingestion-http.client";

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
const intFrom = (fallback: number) => z.coerce.number().int().min(0).optional().default(fallback);

export const IngestionSettingsSchema = z.object({
  INGEST_HTTP_TIMEOUT_MS: intFrom(10_000),
  INGEST_HTTP_RETRIES: intFrom(2),
  INGEST_HTTP_BACKOFF_MS: intFrom(500),
  /** "true" archives each poll's raw payloads to R2 under `market-data/raw/`. */
  INGEST_ARCHIVE_RAW: z
    .string()
    .optional()
    .transform((v) => v === "true"),
  /** `source:channel` pairs the jobs skip and health reports as `disabled`. */
  INGEST_DISABLED_CHANNELS: csv,
  /** Market or event ids/slugs whose price history is polled. */
  POLYMARKET_WATCHED_MARKETS: csv,
  /** Legacy asset-linked matching: asset symbols whose keyword-matched markets are watched too. */
  POLYMARKET_WATCHED_ASSETS: csv,
  DEFILLAMA_CHAINS: csv,
  DEFILLAMA_PROTOCOLS: csv,
});
export type IngestionSettings = z.infer<typeof IngestionSettingsSchema>;

export function httpPolicy(settings: IngestionSettings): HttpPolicy {
  return {
    timeoutMs: settings.INGEST_HTTP_TIMEOUT_MS,
    retries: settings.INGEST_HTTP_RETRIES,
    backoffMs: settings.INGEST_HTTP_BACKOFF_MS,
    maxBackoffMs: 30_000,
    userAgent: "clash-arena-backend/0.1 (+market-data ingestion)",
  };
}

export function isDisabled(settings: IngestionSettings, source: Source, channel: Channel): boolean {
  return settings.INGEST_DISABLED_CHANNELS.includes(`${source}:${channel}`);
}

/** What a successful fetch phase hands to the runner: every write, plus per-channel bookkeeping. */
export interface PollPlan {
  statements: D1PreparedStatement[];
  channels: Array<{ channel: Channel; rowsWritten: number; newestDataMs: number | null }>;
  /** Raw bodies, archived to R2 when the archive flag is on. */
  raw: Array<{ name: string; body: string }>;
}

export type PollOutcome =
  | { status: "ok"; runIds: string[]; rowsWritten: number }
  | { status: "error"; runIds: string[]; error: string }
  | { status: "disabled" };

/**
 * The candle archive format: JSON Lines (one D1 row per line, the drizzle row shape, ordered by open
 * time) compressed with gzip through CompressionStream, checksummed with SHA-256 over the stored
 * bytes. Writing and reading go through these functions only, in the Worker and in Node alike.
 */

import { z } from "zod";
import { digestSha256Hex } from "../../../core/sha256";
import type { Candle1hRow, Candle1mRow } from "../hyperliquid/candles.tables";

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);

const CandleFields = {
  symbol: z.string(),
  openTimeMs: z.number().int(),
  closeTimeMs: z.number().int(),
  open: decimal,
  high: decimal,
  low: decimal,
  close: decimal,
  volume: decimal,
  trades: z.number().int().nullable(),
};

export const Candle1mRowSchema = z.object({ ...CandleFields, ingestedAtMs: z.number().int() }) satisfies z.ZodType<Candle1mRow>;

export const Candle1hRowSchema = z.object({
  ...CandleFields,
  sourceMinutes: z.number().int(),
  isFinal: z.boolean(),
  updatedAtMs: z.number().int(),
}) satisfies z.ZodType<Candle1hRow>;

/** JSON Lines → gzip bytes, with the hex SHA-256 of those bytes. */
export async function encodeArchive(rows: readonly object[]): Promise<{ bytes: Uint8Array; sha256: string }> {
  const text = rows.map((row) => `${JSON.stringify(row)}\n`).join("");
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return { bytes, sha256: await digestSha256Hex(bytes) };
}

/** gzip bytes → the parsed lines (each checked by `schema`). */
export async function decodeArchive<T>(bytes: Uint8Array, schema: z.ZodType<T>): Promise<T[]> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  const text = await new Response(stream).text();
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => schema.parse(JSON.parse(line)));
}

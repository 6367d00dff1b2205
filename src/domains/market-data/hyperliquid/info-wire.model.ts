/**
 * zod schemas for the Hyperliquid answers the backend parses (info endpoint and WebSocket candle
 * pushes). Every exchange payload crosses this boundary before any code uses it: a malformed answer
 * fails the parse and nothing downstream is written. Prices and sizes stay decimal strings.
 */
import { z } from "zod";

/** An exact decimal string as the exchange sends it (`"84723.0"`, `"-0.0003663484"`). */
export const DecimalSchema = z.string().regex(/^-?\d+(\.\d+)?(e-?\d+)?$/, "decimal string");

export const PerpUniverseEntrySchema = z.object({
  name: z.string().min(1),
  szDecimals: z.number().int().min(0),
  maxLeverage: z.number().int().positive(),
  marginTableId: z.number().int().optional(),
  isDelisted: z.boolean().optional(),
  onlyIsolated: z.boolean().optional(),
  marginMode: z.string().optional(),
});

/** One margin tier: from `lowerBound` USD of position notional, at most `maxLeverage`. */
export const MarginTierSchema = z.object({ lowerBound: DecimalSchema, maxLeverage: z.number().int().positive() });
export type MarginTier = z.infer<typeof MarginTierSchema>;

/** `[id, { description, marginTiers }]` as listed in `meta.marginTables`. */
export const MarginTableEntrySchema = z.tuple([
  z.number().int(),
  z.object({ description: z.string(), marginTiers: z.array(MarginTierSchema).min(1) }),
]);

export const MetaSchema = z.object({
  universe: z.array(PerpUniverseEntrySchema),
  marginTables: z.array(MarginTableEntrySchema).optional(),
  collateralToken: z.number().int().optional(),
});

export const AssetCtxSchema = z.object({
  funding: DecimalSchema,
  openInterest: DecimalSchema,
  markPx: DecimalSchema,
  oraclePx: DecimalSchema,
  midPx: DecimalSchema.nullable().optional(),
  premium: DecimalSchema.nullable().optional(),
  impactPxs: z.array(DecimalSchema).nullable().optional(),
  prevDayPx: DecimalSchema,
  dayNtlVlm: DecimalSchema,
  dayBaseVlm: DecimalSchema,
});
export type AssetCtx = z.infer<typeof AssetCtxSchema>;

/** `[meta, ctx[]]`, paired by index: the two arrays must have the same length. */
export const MetaAndAssetCtxsSchema = z
  .tuple([MetaSchema, z.array(AssetCtxSchema)])
  .refine(([meta, ctxs]) => meta.universe.length === ctxs.length, "universe and asset contexts differ in length");
export type MetaAndAssetCtxs = z.infer<typeof MetaAndAssetCtxsSchema>;

export const SpotTokenSchema = z.object({
  name: z.string().min(1),
  szDecimals: z.number().int().min(0),
  index: z.number().int().min(0),
  fullName: z.string().nullable().optional(),
});

export const SpotMetaSchema = z.object({
  tokens: z.array(SpotTokenSchema),
  universe: z.array(
    z.object({
      name: z.string().min(1),
      tokens: z.tuple([z.number().int(), z.number().int()]),
      index: z.number().int().min(0),
      isCanonical: z.boolean(),
    }),
  ),
});
export type SpotMeta = z.infer<typeof SpotMetaSchema>;

export const PredictedVenueSchema = z.tuple([
  z.string().min(1),
  z
    .object({
      fundingRate: DecimalSchema,
      nextFundingTime: z.number().int(),
      fundingIntervalHours: z.number().int().positive().optional(),
    })
    .nullable(),
]);

export const PredictedFundingsSchema = z.array(z.tuple([z.string().min(1), z.array(PredictedVenueSchema)]));
export type PredictedFundings = z.infer<typeof PredictedFundingsSchema>;

/** A candle as pushed on the WebSocket and returned by candleSnapshot. */
export const WireCandleSchema = z.object({
  t: z.number().int(),
  T: z.number().int(),
  s: z.string().min(1),
  i: z.string(),
  o: DecimalSchema,
  c: DecimalSchema,
  h: DecimalSchema,
  l: DecimalSchema,
  v: DecimalSchema,
  // The exchange always sends a count; replayed foreign series may not have one.
  n: z.number().int().min(0).nullable(),
});
export type WireCandle = z.infer<typeof WireCandleSchema>;

export const CandleSnapshotSchema = z.array(WireCandleSchema);

/**
 * Clone and entitlement wire shapes (zod, also the OpenAPI components), the default entitlement and the
 * pure entitlement checks. Defaults: every user gets DEFAULT_ENTITLEMENT (source "default") as a row on
 * their first clone; an admin may replace it (source "admin").
 */
import { z } from "@hono/zod-openapi";
import { type Model, STRENGTH_TIERS } from "./models.data";

export const ModelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    provider: z.string(),
    strength: z.number().int().min(1).max(3),
    engine: z.enum(["hold", "rules", "llm"]).openapi({ description: "hold: local no-op; rules: local rules-v1; llm: a provider model" }),
    providerModelId: z.string(),
    pricing: z.object({
      inputMicroUsdPerMTok: z.number().int().openapi({ description: "micro-USD per million input tokens" }),
      outputMicroUsdPerMTok: z.number().int().openapi({ description: "micro-USD per million output tokens" }),
    }),
    call: z
      .object({
        reasoningEffort: z.enum(["minimal", "low", "medium", "high"]).optional(),
        maxOutputTokens: z.number().int().optional().openapi({ description: "output budget, reasoning tokens included" }),
        timeoutMs: z.number().int().optional().openapi({ description: "budget of one model call, retries included" }),
      })
      .optional()
      .openapi({ description: "how the decision runtime calls the model, where it differs from the defaults" }),
  })
  .openapi("Model");

const Name = z.string().trim().min(1).max(80);

export const CreateCloneSchema = z.object({ name: Name, modelId: z.string().min(1).max(80) }).openapi("CreateClone");
export const PatchCloneSchema = z
  .object({ name: Name.optional(), modelId: z.string().min(1).max(80).optional(), tradingEnabled: z.boolean().optional() })
  .openapi("PatchClone");
export type CreateClone = z.infer<typeof CreateCloneSchema>;
export type PatchClone = z.infer<typeof PatchCloneSchema>;

export const CloneSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    name: z.string(),
    modelId: z.string(),
    tradingEnabled: z.boolean(),
    pipelineVersion: z.number().int(),
    createdAtMs: z.number().int(),
    updatedAtMs: z.number().int(),
  })
  .openapi("Clone");
export type Clone = z.infer<typeof CloneSchema>;

const MaxStrength = z
  .number()
  .int()
  .min(1)
  .max(Number(Object.keys(STRENGTH_TIERS).at(-1)));
/** Per-clone daily model spend cap in micro-USD; null (or omitted) means the runtime's default setting. */
const DailySpend = z
  .number()
  .int()
  .min(0)
  .max(1_000_000_000_000)
  .nullable()
  .openapi({ description: "per-clone daily model spend cap in micro-USD (UTC day); null: the runtime default" });
export const EntitlementInputSchema = z
  .object({
    maxActiveAssets: z.number().int().min(0).max(1000),
    maxModelStrength: MaxStrength,
    /** Optional so older clients keep working; omitted means the default. */
    maxClones: z.number().int().min(0).max(1000).optional(),
    maxDailySpendMicroUsd: DailySpend.optional(),
  })
  .openapi("EntitlementInput");

export const EntitlementSchema = z
  .object({
    userId: z.string(),
    maxActiveAssets: z.number().int(),
    maxModelStrength: z.number().int(),
    maxClones: z.number().int(),
    maxDailySpendMicroUsd: DailySpend.optional(),
    source: z.enum(["default", "admin"]),
    updatedAtMs: z.number().int().nullable(),
  })
  .openapi("Entitlement");
export type Entitlement = z.infer<typeof EntitlementSchema>;

/** What a user without a row gets, and what is seeded on their first clone. */
export const DEFAULT_ENTITLEMENT = { maxActiveAssets: 20, maxModelStrength: 2, maxClones: 10 } as const;

/** A model above the entitled strength: the refusal's details, else undefined. */
export function modelStrengthExcess(model: Model, entitlement: Pick<Entitlement, "maxModelStrength">) {
  if (model.strength <= entitlement.maxModelStrength) return undefined;
  return {
    message: `model ${model.id} has strength ${model.strength}; the entitlement allows at most ${entitlement.maxModelStrength}`,
    modelId: model.id,
    modelStrength: model.strength,
    maxModelStrength: entitlement.maxModelStrength,
  };
}

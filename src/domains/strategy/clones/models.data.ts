/**
 * The model catalog clones choose from. Each model has a strength tier (1 light, 2 standard,
 * 3 frontier) that the owner's entitlement caps. Hand-maintained product data; ids are the ones the
 * decision runtime passes to its provider.
 */
export const STRENGTH_TIERS = { 1: "light", 2: "standard", 3: "frontier" } as const;
export type StrengthTier = keyof typeof STRENGTH_TIERS;

export interface Model {
  id: string;
  name: string;
  provider: string;
  strength: StrengthTier;
}

export const MODELS: readonly Model[] = [
  { id: "claude-haiku-4-5", name: "Claude Haiku 4.5", provider: "anthropic", strength: 1 },
  { id: "gpt-5-mini", name: "GPT-5 mini", provider: "openai", strength: 1 },
  { id: "claude-sonnet-4-5", name: "Claude Sonnet 4.5", provider: "anthropic", strength: 2 },
  { id: "gpt-5", name: "GPT-5", provider: "openai", strength: 2 },
  { id: "claude-opus-4-1", name: "Claude Opus 4.1", provider: "anthropic", strength: 3 },
];

/** The catalog entry of `id`, if any. */
export function findModel(id: string): Model | undefined {
  return MODELS.find((m) => m.id === id);
}

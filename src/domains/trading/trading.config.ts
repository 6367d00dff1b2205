/**
 * Settings of the trading domain, read from the Worker's vars by one memoized reader
 * (`readTradingConfig`, used by the trading jobs); the composition root src/config.ts adds the schema
 * to the start-up check. Same rules as every setting (src/core/config-values.ts): an empty value means
 * unset (the default applies), integers are plain base-10 digits, a bad value fails at start.
 */
import { z } from "zod";
import { decimalInt, withoutBlankSettings } from "../../core/config-values";

export const TradingConfigSchema = z.object({
  /**
   * Oldest mark (ms since the contexts poll observed it) a minute's mark-to-market may value or
   * liquidate an account on (issue 24 rule 6). Contexts are polled every minute, so 90 s is one poll
   * plus half a minute of slack; an older mark is skipped and reported, never used.
   */
  PROP_MAX_MARK_AGE_MS: decimalInt(1_000, 86_400_000).default(90_000),
});
export type TradingConfig = z.infer<typeof TradingConfigSchema>;

const parsed = new WeakMap<object, TradingConfig>();

/** The trading settings of `env`; parsed on first use, then served from the per-isolate memo. */
export function readTradingConfig(env: Env): TradingConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = TradingConfigSchema.safeParse(withoutBlankSettings(env));
  if (!result.success) throw new Error(`invalid trading settings: ${z.prettifyError(result.error)}`);
  parsed.set(env, result.data);
  return result.data;
}

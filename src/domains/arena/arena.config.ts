/**
 * Arena settings (economy side: tickets, pending payments), read from the Worker's vars by one memoized
 * reader and composed into the start-up check (src/config.ts). Empty means unset (the default applies).
 * Race schedule settings live in races/race.config.ts.
 *
 * The chain facts (RPC URL, chain id, USDC token, treasury, confirmations, timeout) are NOT repeated
 * here: deposits, ticket payments and withdrawal payouts use the same chain, token and treasury as the
 * audition fee (lifecycle's settings, read through lifecycle's index), so one treasury holds all of it.
 */
import { z } from "zod";
import { decimalInt, withoutBlankSettings } from "../../core/config-values";
import { type FeeConfig, feeConfig, readLifecycleConfig } from "../lifecycle";

export const ArenaConfigSchema = z.object({
  /** Smallest ticket, micro-USD (copied onto each race at creation). */
  ARENA_MIN_TICKET_MICRO_USD: decimalInt(1).default(1_000_000),
  /** Per-user per-race cap on confirmed + pending ticket amounts, micro-USD (copied onto each race). */
  ARENA_MAX_USER_STAKE_MICRO_USD: decimalInt(1).default(1_000_000_000),
  /** A ticket payment still unseen on chain after this long expires (its hash stays claimable as a deposit). */
  ARENA_PENDING_TTL_MINUTES: decimalInt(1).default(60),
});
export type ArenaConfig = z.infer<typeof ArenaConfigSchema>;

const parsed = new WeakMap<object, ArenaConfig>();

/** The Arena settings of `env`, parsed on first use then memoized; a bad setting throws loudly. */
export function readArenaConfig(env: Env): ArenaConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = ArenaConfigSchema.safeParse(withoutBlankSettings(env));
  if (!result.success) throw new Error(`invalid arena settings: ${z.prettifyError(result.error)}`);
  parsed.set(env, result.data);
  return result.data;
}

/** The chain the Arena's money moves on: the audition fee's chain, token and treasury (no fee amount). */
export type ArenaChain = Omit<FeeConfig, "amount">;

/** The Arena's chain settings, or undefined when the audition-fee chain is not configured (routes answer 503). */
export function arenaChainOf(env: Env): ArenaChain | undefined {
  const fee = feeConfig(readLifecycleConfig(env));
  if (!fee) return undefined;
  const { amount: _amount, ...chain } = fee;
  return chain;
}

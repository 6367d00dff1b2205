/**
 * Lifecycle settings, read from the Worker's vars at the edge (zod) by one memoized reader. The schema is
 * also composed into the start-up check (src/config.ts, a composition root that imports this file; lifecycle
 * code never imports src/config.ts). Every chain fact, fee, duration,
 * pass criterion, retry rule and slot count is a setting, never a constant in code. Amounts of the fee
 * token are in its base units (USDC: 6 decimals, so 1 base unit = 1 micro-USD).
 */
import { z } from "zod";
import { decimalInt, positiveBigInt, withoutBlankSettings } from "../../core/config-values";
import { MAX_BALANCE_MICRO_USD } from "../trading";

const int = (fallback: number) => decimalInt(0).default(fallback);
const address = z
  .string()
  .optional()
  .transform((v) => (v ? v.trim().toLowerCase() : undefined))
  .pipe(
    z
      .string()
      .regex(/^0x[0-9a-f]{40}$/, "an EVM address")
      .optional(),
  );

export const LifecycleConfigSchema = z.object({
  /** JSON-RPC endpoint of the chain the audition fee is paid on. */
  LIFECYCLE_RPC_URL: z.url().optional(),
  LIFECYCLE_CHAIN_ID: decimalInt(1).default(42161),
  /** The ERC-20 contract of the fee token (native USDC on Arbitrum One by default). */
  AUDITION_FEE_TOKEN: address,
  /** Where fees must be sent; empty = payments not configured (every submission answers 503). */
  AUDITION_FEE_TREASURY: address,
  /** Fee in the token's base units (a positive base-10 integer); a transfer of at least this amount is accepted. */
  AUDITION_FEE_AMOUNT: positiveBigInt.default(25_000_000n),
  /** Confirmations = latest block − receipt block + 1; below this the payment stays pending. */
  AUDITION_FEE_CONFIRMATIONS: decimalInt(1).default(12),
  /**
   * The chain's block tag for "cannot be reorganized": a payment is final once its block is at or below
   * it (confirmations are counted only on a chain whose node has no such block).
   */
  AUDITION_FEE_FINALITY_TAG: z.enum(["safe", "finalized"]).default("finalized"),
  /** A receipt the node does not know yet keeps the payment pending this long after submission, then `tx_not_found`. */
  AUDITION_FEE_NOT_FOUND_GRACE_SEC: decimalInt(0).default(1800),
  /** JSON-RPC request timeout. */
  LIFECYCLE_RPC_TIMEOUT_MS: int(10_000),
  /**
   * "true" enables `PUT /admin/lifecycle/wallets/{userId}` (binding a wallet without a signature: the
   * dev demo wallet, whose key nobody holds). Development only: refused whatever this says when
   * APP_ENV is production.
   */
  ADMIN_WALLET_BINDING: z
    .string()
    .optional()
    .transform((v) => v === "true"),
  /** How long a wallet-link nonce may be signed (the EIP-4361 message's expiration time). */
  WALLET_NONCE_TTL_SEC: decimalInt(10).default(600),
  /**
   * The site that asks wallets to sign (EIP-4361 `URI`; its host is the message's `domain`, which a
   * wallet compares with the page asking). Set it to the public app origin in every deployment.
   */
  WALLET_SIWE_URI: z.url().default("http://localhost:8787"),
  /** At most what a prop account can hold (trading's MAX_BALANCE_MICRO_USD): refused at start-up, not at the first audition. */
  AUDITION_STARTING_BALANCE_MICRO_USD: decimalInt(1, MAX_BALANCE_MICRO_USD).default(10_000_000_000),
  AUDITION_DURATION_HOURS: z.coerce.number().positive().default(72),
  /** An audition still `opening` this long after submission is swept: `running` if its account exists, else `voided` and refunded. */
  AUDITION_OPENING_TIMEOUT_SEC: decimalInt(30).default(300),
  /** Fixed trading rules of every audition account (JSON object; `{}` = the engine's defaults, see trading's RulesSchema). */
  AUDITION_RULES_JSON: z
    .string()
    .default("{}")
    .transform((text, ctx) => {
      try {
        const value: unknown = JSON.parse(text);
        if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: "custom", message: "a JSON object" });
      return z.NEVER;
    }),
  AUDITION_MIN_FILLS: int(5),
  /** Minimum return over the audition, in basis points of the starting balance (may be negative). */
  AUDITION_MIN_RETURN_BPS: decimalInt(-10_000).default(0),
  /** Largest allowed peak-to-trough drawdown, in basis points. */
  AUDITION_MAX_DRAWDOWN_BPS: int(1500),
  /** After a failed audition, the clone waits this long before the next attempt. */
  AUDITION_RETRY_COOLDOWN_HOURS: z.coerce.number().min(0).default(24),
  /** Attempts (passed + failed auditions) a clone may make. */
  AUDITION_MAX_ATTEMPTS: decimalInt(1).default(3),
  /** Number of Arena slots. */
  ARENA_SLOTS: decimalInt(0).default(8),
});
export type LifecycleConfig = z.infer<typeof LifecycleConfigSchema>;

const parsed = new WeakMap<object, LifecycleConfig>();

/** The lifecycle settings of `env`, parsed on first use then memoized; a bad setting is a deploy error, thrown loudly. */
export function readLifecycleConfig(env: Env): LifecycleConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = LifecycleConfigSchema.safeParse(withoutBlankSettings(env));
  if (!result.success) throw new Error(`invalid lifecycle settings: ${z.prettifyError(result.error)}`);
  parsed.set(env, result.data);
  return result.data;
}

/** The payment part of the settings, complete, or undefined when fee verification is not configured. */
export interface FeeConfig {
  rpcUrl: string;
  chainId: number;
  token: `0x${string}`;
  treasury: `0x${string}`;
  amount: bigint;
  confirmations: number;
  finality: "safe" | "finalized";
  notFoundGraceMs: number;
  timeoutMs: number;
}

export function feeConfig(s: LifecycleConfig): FeeConfig | undefined {
  if (!s.LIFECYCLE_RPC_URL || !s.AUDITION_FEE_TOKEN || !s.AUDITION_FEE_TREASURY) return undefined;
  return {
    rpcUrl: s.LIFECYCLE_RPC_URL,
    chainId: s.LIFECYCLE_CHAIN_ID,
    token: s.AUDITION_FEE_TOKEN as `0x${string}`,
    treasury: s.AUDITION_FEE_TREASURY as `0x${string}`,
    amount: s.AUDITION_FEE_AMOUNT,
    confirmations: s.AUDITION_FEE_CONFIRMATIONS,
    finality: s.AUDITION_FEE_FINALITY_TAG,
    notFoundGraceMs: s.AUDITION_FEE_NOT_FOUND_GRACE_SEC * 1000,
    timeoutMs: s.LIFECYCLE_RPC_TIMEOUT_MS,
  };
}

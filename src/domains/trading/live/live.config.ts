/**
 * Settings of the live adapter (personal-wallet execution on Hyperliquid): where the exchange is, which
 * chain its signatures are for, the operators' kill switch, the agent-key KEK id and the reconciliation
 * tolerance. The KEK itself (`LIVE_AGENT_KEK`, `LIVE_AGENT_KEK_PREVIOUS`) is a secret, read by
 * agent-key.service.ts `keyRingFromSettings`, never parsed or echoed here.
 *
 * Invariant (why the refinement exists): nothing outside production can reach mainnet. A mainnet URL
 * needs `HYPERLIQUID_IS_MAINNET=true`, and `HYPERLIQUID_IS_MAINNET=true` needs `APP_ENV=production` and
 * a URL that is not the testnet host; tests (APP_ENV test) and `npm start` (development) therefore
 * refuse to start with a mainnet configuration. Callers: src/config.ts (start-up check) and the live
 * services through `readLiveConfig`.
 */
import { z } from "zod";
import { decimalInt, withoutBlankSettings } from "../../../core/config-values";

/** Hosts that are the real exchange's mainnet API. */
const MAINNET_HOSTS = new Set(["api.hyperliquid.xyz", "api-ui.hyperliquid.xyz"]);
const TESTNET_HOST = "api.hyperliquid-testnet.xyz";

export const LiveConfigSchema = z.object({
  /** Base URL of the exchange API (`/exchange` and `/info` are appended). Default: testnet. */
  HYPERLIQUID_EXCHANGE_URL: z.url().default(`https://${TESTNET_HOST}`),
  /** Signatures carry source "a" (mainnet) or "b" (testnet). Only production may say true. */
  HYPERLIQUID_IS_MAINNET: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Operators' global kill switch: "on" refuses every live order (the admin route also kills). */
  LIVE_KILL_SWITCH: z.enum(["on", "off"]).default("off"),
  /** Id of the current KEK (rotation: doc/domains/live-trading.md). */
  LIVE_AGENT_KEK_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, "1-32 letters, digits, _ or -")
    .default("v1"),
  /** Reconciliation: a fill price or size further than this from the expected one is a divergence. */
  LIVE_RECONCILE_TOLERANCE_BPS: decimalInt(0, 10_000).default(50),
  /** "on": each active live account holds a WebSocket (userEvents + orderUpdates) beside the poll (live-stream.service.ts). */
  LIVE_USER_STREAM: z.enum(["on", "off"]).default("on"),
});

type LiveShape = z.infer<typeof LiveConfigSchema> & { APP_ENV?: string };

/** Whether `url` points at the exchange's mainnet API. */
export function isMainnetUrl(url: string): boolean {
  try {
    return MAINNET_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** The no-mainnet-outside-production rule (also applied by the composed schema in src/config.ts). */
export function refineLiveConfig(config: LiveShape, ctx: z.RefinementCtx): void {
  const url = config.HYPERLIQUID_EXCHANGE_URL;
  if (isMainnetUrl(url) && !config.HYPERLIQUID_IS_MAINNET)
    ctx.addIssue({
      code: "custom",
      path: ["HYPERLIQUID_EXCHANGE_URL"],
      message: `${url} is the mainnet exchange: set HYPERLIQUID_IS_MAINNET=true (production only) or use the testnet URL`,
    });
  if (config.HYPERLIQUID_IS_MAINNET && config.APP_ENV !== "production")
    ctx.addIssue({
      code: "custom",
      path: ["HYPERLIQUID_IS_MAINNET"],
      message: `mainnet live trading is refused when APP_ENV is ${config.APP_ENV ?? "unset"} (production only)`,
    });
  if (config.HYPERLIQUID_IS_MAINNET && new URL(url).hostname === TESTNET_HOST)
    ctx.addIssue({ code: "custom", path: ["HYPERLIQUID_IS_MAINNET"], message: `${url} is the testnet exchange but IS_MAINNET is true` });
}

const Checked = LiveConfigSchema.extend({ APP_ENV: z.string().default("development") }).superRefine(refineLiveConfig);
export type LiveConfig = z.infer<typeof Checked>;

const parsed = new WeakMap<object, LiveConfig>();

/** The live settings of `env` (memoized per env object); throws naming the setting at fault. */
export function readLiveConfig(env: object): LiveConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = Checked.safeParse(withoutBlankSettings(env));
  if (!result.success) throw new Error(`invalid live-trading settings: ${z.prettifyError(result.error)}`);
  parsed.set(env, result.data);
  return result.data;
}

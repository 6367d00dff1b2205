/**
 * Race settings (issue 19, "Races", "Strikes"): the windows, the settlement config frozen on each new
 * race, the race accounts' starting balance and rules, the ticket limits stored on the race, and the
 * strike rules. Read from the Worker's vars by one memoized reader; "empty means unset" (the default
 * applies), validated at start: the schema is composed into src/config.ts. Arena code never imports
 * src/config.ts. Callers: the race lifecycle service and job, the admin create route, the standing step.
 */
import { z } from "zod";
import { decimalInt, withoutBlankSettings } from "../../../core/config-values";
import { MAX_BALANCE_MICRO_USD } from "../../trading";
import { ArenaConfigSchema } from "../arena.config";
import type { SettlementConfig } from "../settlement/settlement-input.model";

/** "6000,3000,1000" -> [6000, 3000, 1000] (each 0..10000). */
const bpsList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const parts = text.split(",").map((p) => p.trim());
      if (parts.some((p) => !/^[0-9]+$/.test(p) || Number(p) > 10_000)) {
        ctx.addIssue({ code: "custom", message: "a comma-separated list of basis points (0..10000)" });
        return z.NEVER;
      }
      return parts.map(Number);
    });

const jsonObject = z
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
  });

export const RaceConfigSchema = z.object({
  /** Accumulation window (tickets) of a race created by the job. */
  ARENA_ACCUMULATION_MINUTES: decimalInt(1).default(60),
  /** From the close of accumulation to the start of the live window (accounts open in between). */
  ARENA_START_DELAY_MINUTES: decimalInt(0).default(1),
  /** Live window: the race accounts trade from its start and are finalized at its end. */
  ARENA_LIVE_MINUTES: decimalInt(1).default(1440),
  /** A settled race is archived this many days after it settled (archiving drops nothing). */
  ARENA_ARCHIVE_DAYS: decimalInt(0).default(30),
  /** The cron job creates a race only when at least this many clones are seated (admins may force one). */
  ARENA_MIN_FIELD: decimalInt(2).default(2),
  ARENA_RAKE_BPS: decimalInt(0, 10_000).default(500),
  ARENA_CREATOR_POOL_BPS: decimalInt(0, 10_000).default(300),
  ARENA_PLACE_BPS: bpsList("6000,3000,1000"),
  ARENA_ROYALTY_BPS: bpsList("6000,3000,1000"),
  ARENA_EARLY_BONUS_BPS: decimalInt(0, 10_000).default(2000),
  ARENA_NO_WINNER: z.enum(["refund", "carryover"]).default("carryover"),
  /** Every race account starts with this balance and these rules (JSON object; `{}` = engine defaults). */
  ARENA_RACE_STARTING_BALANCE_MICRO_USD: decimalInt(1, MAX_BALANCE_MICRO_USD).default(10_000_000_000),
  ARENA_RACE_RULES_JSON: jsonObject,
  /** Ticket limits frozen on each race (the purchase path enforces them): defined once, in arena.config.ts. */
  ...ArenaConfigSchema.pick({ ARENA_MIN_TICKET_MICRO_USD: true, ARENA_MAX_USER_STAKE_MICRO_USD: true }).shape,
  /** A finish in the bottom N (or a liquidation) adds a strike; a top-half finish clears them. */
  ARENA_STRIKE_BOTTOM_N: decimalInt(1).default(1),
  /** At this many strikes the clone retires. */
  ARENA_STRIKES_TO_RETIRE: decimalInt(1).default(3),
});
export type RaceConfig = z.infer<typeof RaceConfigSchema>;

/** Cross-field rules (composed into the start-up check beside the schema's shape). */
export function refineRaceSettings(s: RaceConfig, ctx: z.RefinementCtx): void {
  if (s.ARENA_RAKE_BPS + s.ARENA_CREATOR_POOL_BPS > 10_000)
    ctx.addIssue({ code: "custom", path: ["ARENA_CREATOR_POOL_BPS"], message: "ARENA_RAKE_BPS + ARENA_CREATOR_POOL_BPS must be <= 10000" });
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  if (sum(s.ARENA_PLACE_BPS) > 10_000) ctx.addIssue({ code: "custom", path: ["ARENA_PLACE_BPS"], message: "must sum to <= 10000" });
  if ((s.ARENA_PLACE_BPS[0] ?? 0) === 0) ctx.addIssue({ code: "custom", path: ["ARENA_PLACE_BPS"], message: "place 1 must be paid" });
  if (sum(s.ARENA_ROYALTY_BPS) > 10_000) ctx.addIssue({ code: "custom", path: ["ARENA_ROYALTY_BPS"], message: "must sum to <= 10000" });
}

function settlementFields(s: {
  ARENA_RAKE_BPS: number;
  ARENA_CREATOR_POOL_BPS: number;
  ARENA_PLACE_BPS: number[];
  ARENA_ROYALTY_BPS: number[];
  ARENA_EARLY_BONUS_BPS: number;
  ARENA_NO_WINNER: "refund" | "carryover";
}) {
  return {
    rakeBps: s.ARENA_RAKE_BPS,
    creatorPoolBps: s.ARENA_CREATOR_POOL_BPS,
    placeBps: s.ARENA_PLACE_BPS,
    royaltyBps: s.ARENA_ROYALTY_BPS,
    earlyBonusBps: s.ARENA_EARLY_BONUS_BPS,
    noWinner: s.ARENA_NO_WINNER,
  };
}

/** The settlement config a new race freezes (plain numbers: it is stored as JSON on the race). */
export const defaultSettlementConfig = (s: RaceConfig): SettlementConfig => settlementFields(s);

const parsed = new WeakMap<object, RaceConfig>();

/** The race settings of `env`, parsed on first use then memoized; a bad setting throws loudly. */
export function readRaceConfig(env: Env): RaceConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = RaceConfigSchema.superRefine(refineRaceSettings).safeParse(withoutBlankSettings(env));
  if (!result.success) throw new Error(`invalid arena race settings: ${z.prettifyError(result.error)}`);
  parsed.set(env, result.data);
  return result.data;
}

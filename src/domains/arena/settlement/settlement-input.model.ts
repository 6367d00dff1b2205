/**
 * The race a settlement is computed from (the CLI's `--input` JSON and, later, what the settling job
 * assembles from D1), as one zod schema plus the cross-field checks zod cannot express per field.
 *
 * Accepted forms: integers (amounts, times, bps) as JSON numbers (safe integers only: a number above
 * 2^53-1 has already lost precision) or as decimal digit strings ("123", "-5" only where negatives are
 * allowed); amounts become bigint, everything else a JavaScript number. Unknown keys are ignored.
 *
 * Refused (each reported with the JSON path of the field, e.g. `tickets[3].amountMicroUsd`): a missing
 * field, a negative or fractional amount, a ticket amount of 0, bps outside 0..10000, placeBps or
 * royaltyBps summing above 10000, rakeBps + creatorPoolBps above 10000, placeBps empty or with
 * placeBps[0] = 0 (place 1 must pay: it receives the remainders), opensAtMs >= closesAtMs, an unknown
 * ticket or result status, a result still in progress, duplicate entrantId / cloneId / seat / ticketId,
 * a ticket on an entrant that is not in the race.
 *
 * Entrant `result.status`: "scratched" (or `result: null`) means the entrant left the race before launch;
 * "pending", "live" and "running" are refused (a race settles only when every result is final); any other
 * status (canonically "finalized") is a final result and needs returnBps, maxDrawdownBps and liquidated.
 * Called by settlement-wire.model.ts (CLI text) and by tests.
 */
import { z } from "@hono/zod-openapi";
import { err, ok, type Result } from "../../../core/result";
import { TicketStateSchema } from "../tickets/ticket.model";

const INTEGER_TEXT = /^-?\d+$/;
const MAX_BPS = 10_000;

/** An integer given as a JSON number (safe) or a decimal string; `min` bounds it below. */
function integerLike(min: bigint | undefined, what: string) {
  return z.unknown().transform((value, ctx): bigint => {
    if (value === undefined || value === null) {
      ctx.addIssue({ code: "custom", message: `required (${what})` });
      return z.NEVER;
    }
    let n: bigint | undefined;
    if (typeof value === "number") {
      if (Number.isSafeInteger(value)) n = BigInt(value);
    } else if (typeof value === "string" && INTEGER_TEXT.test(value.trim())) {
      n = BigInt(value.trim());
    }
    if (n === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `${what}: expected an integer (a safe JSON number or a decimal string), got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    if (min !== undefined && n < min) {
      ctx.addIssue({ code: "custom", message: `${what}: must be >= ${min}, got ${n}` });
      return z.NEVER;
    }
    return n;
  });
}

/** Integer micro-USD >= min, kept as bigint. */
const MicroUsd = (min = 0n) => integerLike(min, "micro-USD amount");

/** An integer that must fit a JavaScript number (times, bps, seats), within [min, max]. */
function SmallInt(min: number, max: number, what: string) {
  return integerLike(undefined, what).transform((n, ctx): number => {
    if (n < BigInt(min) || n > BigInt(max)) {
      ctx.addIssue({ code: "custom", message: `${what}: must be within ${min}..${max}, got ${n}` });
      return z.NEVER;
    }
    return Number(n);
  });
}

const Bps = SmallInt(0, MAX_BPS, "bps");
const TimeMs = SmallInt(0, Number.MAX_SAFE_INTEGER, "time (ms)");
const Id = z.string().min(1, "must be a non-empty string");

/** Ticket statuses are the ticket lifecycle's states (tickets/ticket.model.ts). */
export const TicketStatusSchema = TicketStateSchema;
export const NoWinnerModeSchema = z.enum(["refund", "carryover"]);

/** Result statuses that mean "not over yet": a race cannot settle on them. */
const IN_PROGRESS = new Set(["pending", "live", "running"]);
export const SCRATCHED = "scratched";

const EntrantResultSchema = z.object({
  status: z.string().min(1, "must be a non-empty string"),
  returnBps: SmallInt(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "returnBps").nullish(),
  maxDrawdownBps: Bps.nullish(),
  liquidated: z.boolean().nullish(),
});

export const SettlementConfigSchema = z.object({
  rakeBps: Bps,
  creatorPoolBps: Bps,
  placeBps: z.array(Bps).min(1, "at least one place must be paid"),
  royaltyBps: z.array(Bps),
  earlyBonusBps: Bps,
  noWinner: NoWinnerModeSchema,
});

export const RaceEntrantSchema = z.object({
  entrantId: Id,
  cloneId: Id,
  creatorUserId: Id,
  seat: SmallInt(0, Number.MAX_SAFE_INTEGER, "seat"),
  result: EntrantResultSchema.nullable(),
});

export const RaceTicketSchema = z.object({
  ticketId: Id,
  userId: Id,
  entrantId: Id,
  amountMicroUsd: MicroUsd(1n),
  purchasedAtMs: TimeMs,
  status: TicketStatusSchema,
});

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Cross-field rules; each issue names the offending field's path. */
function checkRace(race: z.output<typeof RaceObjectSchema>, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const { config } = race;
  if (config.rakeBps + config.creatorPoolBps > MAX_BPS) issue(["config", "creatorPoolBps"], "rakeBps + creatorPoolBps must be <= 10000");
  if (sum(config.placeBps) > MAX_BPS) issue(["config", "placeBps"], "placeBps must sum to <= 10000");
  if (config.placeBps[0] === 0) issue(["config", "placeBps", 0], "place 1 must be paid (placeBps[0] > 0)");
  if (sum(config.royaltyBps) > MAX_BPS) issue(["config", "royaltyBps"], "royaltyBps must sum to <= 10000");
  if (race.accumulation.opensAtMs >= race.accumulation.closesAtMs) issue(["accumulation", "closesAtMs"], "must be after opensAtMs");

  const unique = (kind: "entrants" | "tickets", field: string, values: readonly unknown[]) => {
    const seen = new Set<unknown>();
    values.forEach((v, i) => {
      if (seen.has(v)) issue([kind, i, field], `duplicate ${field} ${JSON.stringify(v)}`);
      seen.add(v);
    });
  };
  unique(
    "entrants",
    "entrantId",
    race.entrants.map((e) => e.entrantId),
  );
  unique(
    "entrants",
    "cloneId",
    race.entrants.map((e) => e.cloneId),
  );
  unique(
    "entrants",
    "seat",
    race.entrants.map((e) => e.seat),
  );
  unique(
    "tickets",
    "ticketId",
    race.tickets.map((t) => t.ticketId),
  );

  race.entrants.forEach((e, i) => {
    const r = e.result;
    if (r === null || r.status === SCRATCHED) return;
    if (IN_PROGRESS.has(r.status)) issue(["entrants", i, "result", "status"], `result ${JSON.stringify(r.status)} is not final`);
    if (r.returnBps == null) issue(["entrants", i, "result", "returnBps"], "required for a finished entrant");
    if (r.maxDrawdownBps == null) issue(["entrants", i, "result", "maxDrawdownBps"], "required for a finished entrant");
    if (r.liquidated == null) issue(["entrants", i, "result", "liquidated"], "required for a finished entrant");
  });
  const entrantIds = new Set(race.entrants.map((e) => e.entrantId));
  race.tickets.forEach((t, i) => {
    if (!entrantIds.has(t.entrantId)) issue(["tickets", i, "entrantId"], `unknown entrant ${JSON.stringify(t.entrantId)}`);
  });
}

const RaceObjectSchema = z.object({
  raceId: Id,
  config: SettlementConfigSchema,
  accumulation: z.object({ opensAtMs: TimeMs, closesAtMs: TimeMs }),
  carryInMicroUsd: MicroUsd(),
  entrants: z.array(RaceEntrantSchema),
  tickets: z.array(RaceTicketSchema),
});

/** The settlement input, validated (amounts as bigint). */
export const RaceInputSchema = RaceObjectSchema.superRefine(checkRace);
export type RaceInput = z.output<typeof RaceInputSchema>;
export type RaceEntrant = RaceInput["entrants"][number];
export type RaceTicket = RaceInput["tickets"][number];
export type SettlementConfig = RaceInput["config"];

/** One refused field: its JSON path (`tickets[3].amountMicroUsd`) and why. */
export interface InputIssue {
  path: string;
  message: string;
}

/** `["tickets", 3, "amountMicroUsd"]` -> `tickets[3].amountMicroUsd`; the empty path is `(root)`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `${out === "" ? "" : "."}${String(key)}`;
  return out === "" ? "(root)" : out;
}

/** Validates a parsed JSON value as a race; every issue carries its field path. */
export function parseRaceInput(json: unknown): Result<RaceInput, InputIssue[]> {
  const parsed = RaceInputSchema.safeParse(json);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message })));
}

/** True when the entrant raced to a final result (not scratched). */
export const hasFinalResult = (e: RaceEntrant): boolean => e.result !== null && e.result.status !== SCRATCHED;

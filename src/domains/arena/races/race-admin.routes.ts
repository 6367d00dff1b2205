/**
 * Operator race controls under /api/v1/admin/races (role admin): create a race now (optional overrides
 * of windows and settlement config), advance one state now (windows not waited for: operations and
 * tests), cancel (every confirmed ticket refunded in full), settle (idempotent re-run: a complete
 * settlement is answered as stored), read the stored settlement document (the R2 artifact). Every move
 * is recorded with the admin as its cause and audited in arena_events.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { declareRoute } from "../../../http/access";
import type { AppEnv } from "../../../http/app-env";
import { ApiError, errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { settleStoredRace } from "../settlement/settlement.service";
import { readSettlementArtifact } from "../settlement/settlement-artifact.service";
import { defaultSettlementConfig } from "./race.config";
import { artifactsOf, dbOf, raceContextOf, raceError } from "./race.http";
import { RaceStateSchema } from "./race.model";
import { advanceRaceNow, cancelRace, createRace, listEntrants, settleWhenReady } from "./race.service";
import type { RaceRow } from "./race.tables";
import { actorOfCause, findRace } from "./race-moves.storage";
import { SettlementWireSchema } from "./race-read.routes";

const P = "/admin/races";
const body = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } }, required: true });
const RaceParams = z.object({ raceId: z.string().min(1).max(80) });
const adminErrors = errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict");
const Bps = z.number().int().min(0).max(10_000);

const CreateRaceSchema = z
  .object({
    accumulationMinutes: z.number().positive().max(525_600).optional(),
    startDelayMinutes: z.number().min(0).max(525_600).optional(),
    liveMinutes: z.number().positive().max(525_600).optional(),
    startingBalanceMicroUsd: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    config: z
      .object({
        rakeBps: Bps.optional(),
        creatorPoolBps: Bps.optional(),
        placeBps: z.array(Bps).min(1).max(100).optional(),
        royaltyBps: z.array(Bps).max(100).optional(),
        earlyBonusBps: Bps.optional(),
        noWinner: z.enum(["refund", "carryover"]).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi("CreateRace");

const ReasonSchema = z.object({ reason: z.string().trim().min(1).max(300) }).openapi("RaceCancel");

const AdminRaceSchema = z
  .object({
    raceId: z.string(),
    seq: z.number().int(),
    status: RaceStateSchema,
    opensAtMs: z.number().int(),
    closesAtMs: z.number().int(),
    liveStartsAtMs: z.number().int(),
    liveEndsAtMs: z.number().int(),
    carryInMicroUsd: z.number().int(),
    carryFromRaceId: z.string().nullable(),
    cancelReason: z.string().nullable(),
    config: z.record(z.string(), z.unknown()),
    entrants: z.array(
      z.object({
        entrantId: z.string(),
        cloneId: z.string(),
        seat: z.number().int(),
        status: z.enum(["entered", "scratched"]),
        displayName: z.string(),
        accountId: z.string().nullable(),
        resultStatus: z.string().nullable(),
      }),
    ),
  })
  .openapi("AdminRace");

async function view(c: Context<AppEnv>, race: RaceRow) {
  const entrants = await listEntrants(dbOf(c), race.id);
  return {
    raceId: race.id,
    seq: race.seq,
    status: race.status,
    opensAtMs: race.opensAtMs,
    closesAtMs: race.closesAtMs,
    liveStartsAtMs: race.liveStartsAtMs,
    liveEndsAtMs: race.liveEndsAtMs,
    carryInMicroUsd: race.carryInMicroUsd,
    carryFromRaceId: race.carryFromRaceId,
    cancelReason: race.cancelReason,
    config: JSON.parse(race.configJson) as Record<string, unknown>,
    entrants: entrants.map((e) => ({
      entrantId: e.id,
      cloneId: e.cloneId,
      seat: e.seat,
      status: e.status,
      displayName: e.displayName,
      accountId: e.accountId,
      resultStatus: e.resultStatus,
    })),
  };
}

/** The merged settlement config must still be valid (the same rules the settings obey). */
function checkConfig(config: Record<string, unknown>): void {
  const sum = (xs: unknown) => (Array.isArray(xs) ? xs.reduce((a: number, b: number) => a + b, 0) : 0);
  const problems: string[] = [];
  if ((config.rakeBps as number) + (config.creatorPoolBps as number) > 10_000)
    problems.push("config.rakeBps + config.creatorPoolBps must be <= 10000");
  if (sum(config.placeBps) > 10_000) problems.push("config.placeBps must sum to <= 10000");
  if (((config.placeBps as number[])[0] ?? 0) === 0) problems.push("config.placeBps[0] must be > 0");
  if (sum(config.royaltyBps) > 10_000) problems.push("config.royaltyBps must sum to <= 10000");
  if (problems.length) throw new ApiError("validation_failed", problems.join("; "), { problems });
}

const createRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: P,
  tags: ["admin"],
  summary: "Create an accumulating race now over the seated clones (answers the accumulating one if there is one)",
  request: { body: body(CreateRaceSchema) },
  responses: { 200: jsonResponse(z.object({ created: z.boolean(), race: AdminRaceSchema }), "The accumulating race"), ...adminErrors },
});

const raceAction = (action: "advance" | "cancel" | "settle", summary: string) =>
  declareRoute({
    access: { role: "admin" },
    method: "post",
    path: `${P}/{raceId}/${action}`,
    tags: ["admin"],
    summary,
    request: { params: RaceParams, ...(action === "cancel" ? { body: body(ReasonSchema) } : {}) },
    responses: { 200: jsonResponse(AdminRaceSchema, "The race after the action"), ...adminErrors },
  });

const artifactRoute = declareRoute({
  access: { role: "admin" },
  method: "get",
  path: `${P}/{raceId}/settlement/artifact`,
  tags: ["admin"],
  summary:
    "The stored settlement document (R2): byte for byte the `npm run arena:settle` line, verified against its SHA-256 key and the settlement hash; headers X-Artifact-Key, X-Settlement-Hash (404 until written)",
  request: { params: RaceParams },
  responses: { 200: jsonResponse(SettlementWireSchema, "The settlement document"), ...adminErrors },
});

export const raceAdminRoutes = createRouter()
  .openapi(artifactRoute, async (c) => {
    const found = await readSettlementArtifact(dbOf(c), artifactsOf(c.env), c.req.valid("param").raceId);
    if (!found) throw new ApiError("not_found", "no settlement artifact for this race (not settled, or not written yet)");
    // The stored bytes as they are (no re-serialization), so a reader can hash them against the key.
    return new Response(found.text, {
      status: 200,
      headers: { "content-type": "application/json", "x-artifact-key": found.key, "x-settlement-hash": found.settlementHash },
    }) as never;
  })
  .openapi(createRoute, async (c) => {
    const overrides = c.req.valid("json");
    const ctx = raceContextOf(c);
    if (overrides.config) checkConfig({ ...defaultSettlementConfig(ctx.settings), ...overrides.config });
    const { race, created } = await createRace(ctx, { overrides });
    if (!race) throw new ApiError("conflict", "no race could be created");
    return c.json({ created, race: await view(c, race) }, 200);
  })
  .openapi(raceAction("advance", "Move the race to its next state now (operations and tests)"), async (c) => {
    const done = await advanceRaceNow(raceContextOf(c), c.req.valid("param").raceId);
    if (!done.ok) throw raceError(done.error);
    return c.json(await view(c, done.value), 200);
  })
  .openapi(raceAction("cancel", "Cancel the race; every confirmed ticket is refunded in full"), async (c) => {
    const ctx = raceContextOf(c);
    const race = await findRace(ctx.db, c.req.valid("param").raceId);
    if (!race) throw raceError({ kind: "not_found" });
    const { reason } = (await c.req.json()) as { reason: string };
    const moved = await cancelRace(ctx, race, ReasonSchema.parse({ reason }).reason);
    if (!moved.moved) throw raceError({ kind: "invalid_transition", from: race.status, event: "cancel" });
    return c.json(await view(c, moved.race), 200);
  })
  .openapi(raceAction("settle", "Settle the race (idempotent: a complete settlement is answered as stored)"), async (c) => {
    const ctx = raceContextOf(c);
    const race = await findRace(ctx.db, c.req.valid("param").raceId);
    if (!race) throw raceError({ kind: "not_found" });
    if (race.status === "settling") {
      const done = await settleWhenReady(ctx, race);
      if (!done.ok) throw raceError(done.error);
    } else {
      const done = await settleStoredRace(ctx.db, ctx.deps, race.id, {
        actor: actorOfCause(ctx.cause),
        cause: ctx.cause,
        artifacts: ctx.artifacts,
      });
      if (!done.ok) throw raceError(done.error);
    }
    return c.json(await view(c, (await findRace(ctx.db, race.id)) as RaceRow), 200);
  });

/**
 * Hall of Fame and retirement reads (issue 19): `GET /hall-of-fame` (every inducted clone: honours,
 * snapshot at induction, totals), `/hall-of-fame/{cloneId}` (plus every race's place, return and
 * drawdown), `GET /clones/{cloneId}/retirement` (strikes and the races that caused it; 404 when the
 * clone was not retired by strikes). Snapshots are stored rows: later profile edits or clone deletion
 * never change them. Any signed-in caller may read them.
 */
import { z } from "@hono/zod-openapi";
import { asc, desc, eq } from "drizzle-orm";
import { declareRoute } from "../../../http/access";
import { errorResponses, notFound } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { dbOf } from "../races/race.http";
import { arenaHallOfFame, arenaHallOfFameRaces, arenaRetirements, type HallOfFameRow } from "./standing.tables";

const CloneParams = z.object({ cloneId: z.string().min(1).max(80) });
const readErrors = errorResponses("validation_failed", "unauthorized", "not_found");

const HallEntrySchema = z
  .object({
    cloneId: z.string(),
    creatorUserId: z.string(),
    honours: z.array(z.string()),
    snapshot: z.record(z.string(), z.unknown()),
    totals: z.object({
      races: z.number().int(),
      wins: z.number().int(),
      poolGeneratedMicroUsd: z.number().int(),
      royaltiesEarnedMicroUsd: z.number().int(),
    }),
    inductedAtMs: z.number().int(),
  })
  .openapi("HallOfFameEntry");

const HallRaceSchema = z.object({
  raceId: z.string(),
  place: z.number().int(),
  fieldSize: z.number().int(),
  returnBps: z.number().int(),
  maxDrawdownBps: z.number().int(),
  liquidated: z.boolean(),
  poolMicroUsd: z.number().int(),
  royaltyMicroUsd: z.number().int(),
  settledAtMs: z.number().int(),
});

const RetirementSchema = z
  .object({
    cloneId: z.string(),
    creatorUserId: z.string(),
    strikes: z.number().int(),
    raceIds: z.array(z.string()),
    reason: z.string(),
    retiredAtMs: z.number().int(),
  })
  .openapi("CloneRetirement");

const EMPTY_TOTALS = { races: 0, wins: 0, poolGeneratedMicroUsd: 0, royaltiesEarnedMicroUsd: 0 };

function entryOf(row: HallOfFameRow): z.infer<typeof HallEntrySchema> {
  return {
    cloneId: row.cloneId,
    creatorUserId: row.creatorUserId,
    honours: JSON.parse(row.honoursJson) as string[],
    snapshot: JSON.parse(row.snapshotJson) as Record<string, unknown>,
    totals: { ...EMPTY_TOTALS, ...(JSON.parse(row.totalsJson) as Partial<typeof EMPTY_TOTALS>) },
    inductedAtMs: row.inductedAtMs,
  };
}

const listRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/hall-of-fame",
  tags: ["arena"],
  summary: "The Hall of Fame: race champions and retired clones, most recently inducted first",
  responses: { 200: jsonResponse(z.object({ entries: z.array(HallEntrySchema) }), "Entries"), ...readErrors },
});

const detailRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/hall-of-fame/{cloneId}",
  tags: ["arena"],
  summary: "One Hall of Fame record with every race's place, return and drawdown",
  request: { params: CloneParams },
  responses: {
    200: jsonResponse(HallEntrySchema.extend({ races: z.array(HallRaceSchema) }).openapi("HallOfFameRecord"), "The record"),
    ...readErrors,
  },
});

const retirementRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/clones/{cloneId}/retirement",
  tags: ["arena"],
  summary: "Why a clone was retired by strikes: the count and the races that caused it (404 when it was not)",
  request: { params: CloneParams },
  responses: { 200: jsonResponse(RetirementSchema, "The retirement"), ...readErrors },
});

export const standingRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const rows = await dbOf(c)
      .select()
      .from(arenaHallOfFame)
      .orderBy(desc(arenaHallOfFame.inductedAtMs), asc(arenaHallOfFame.cloneId))
      .limit(500);
    return c.json({ entries: rows.map(entryOf) }, 200);
  })
  .openapi(detailRoute, async (c) => {
    const db = dbOf(c);
    const { cloneId } = c.req.valid("param");
    const [row] = await db.select().from(arenaHallOfFame).where(eq(arenaHallOfFame.cloneId, cloneId));
    if (!row) throw notFound("hall of fame record");
    const races = await db
      .select()
      .from(arenaHallOfFameRaces)
      .where(eq(arenaHallOfFameRaces.cloneId, cloneId))
      .orderBy(asc(arenaHallOfFameRaces.settledAtMs), asc(arenaHallOfFameRaces.raceId));
    return c.json({ ...entryOf(row), races: races.map(({ cloneId: _, ...r }) => r) }, 200);
  })
  .openapi(retirementRoute, async (c) => {
    const { cloneId } = c.req.valid("param");
    const [row] = await dbOf(c).select().from(arenaRetirements).where(eq(arenaRetirements.cloneId, cloneId));
    if (!row) throw notFound("retirement");
    return c.json(
      {
        cloneId: row.cloneId,
        creatorUserId: row.creatorUserId,
        strikes: row.strikes,
        raceIds: JSON.parse(row.raceIdsJson) as string[],
        reason: row.reason,
        retiredAtMs: row.retiredAtMs,
      },
      200,
    );
  });

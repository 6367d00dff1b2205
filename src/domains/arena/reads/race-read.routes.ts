/**
 * Race reads (client): the list by status, the current race, and one race with its field, pool,
 * per-entrant confirmed amount and weight, and the live implied payout per 1 USD.
 */
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../../http/access";
import { errorResponses, notFound } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { dbOf } from "../arena.http";
import { RaceStateSchema } from "../races/race.model";
import { currentRaceId, listRaces, raceDetail } from "./race-read.service";

const RaceSummarySchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    status: RaceStateSchema,
    opensAtMs: z.number().int(),
    closesAtMs: z.number().int(),
    liveStartsAtMs: z.number().int(),
    liveEndsAtMs: z.number().int(),
    minTicketMicroUsd: z.number().int(),
    maxUserStakeMicroUsd: z.number().int(),
    carryInMicroUsd: z.number().int(),
    poolMicroUsd: z.number().int().openapi({ description: "Sum of confirmed tickets" }),
  })
  .openapi("ArenaRaceSummary");

const RaceDetailSchema = RaceSummarySchema.extend({
  config: z.unknown().openapi({
    description: "The settlement config frozen on the race (rakeBps, creatorPoolBps, placeBps, royaltyBps, earlyBonusBps, noWinner)",
  }),
  field: z.array(
    z.object({
      entrantId: z.string(),
      seat: z.number().int(),
      cloneId: z.string(),
      displayName: z.string(),
      status: z.enum(["entered", "scratched"]),
      confirmedMicroUsd: z.number().int(),
      weight: z.string().openapi({ description: "Sum of amount x early-bonus multiplier (bps) of confirmed tickets, decimal" }),
      impliedPayoutPerUsdMicroUsd: z.string().nullable().openapi({
        description: "Micro-USD that 1 USD bought now on this entrant would get if it won now (decimal); null without tickets",
      }),
    }),
  ),
}).openapi("ArenaRace");

const listRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/races",
  tags: ["arena"],
  summary: "Races, newest first (optionally by status)",
  request: { query: z.object({ status: RaceStateSchema.optional(), limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: {
    200: jsonResponse(z.object({ races: z.array(RaceSummarySchema) }), "Races"),
    ...errorResponses("validation_failed", "unauthorized"),
  },
});

const currentRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/races/current",
  tags: ["arena"],
  summary: "The accumulating race (else the latest launched, live or settling one), with its field and odds",
  responses: { 200: jsonResponse(RaceDetailSchema, "The current race"), ...errorResponses("unauthorized", "not_found") },
});

const oneRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/races/{raceId}",
  tags: ["arena"],
  summary: "One race: status, windows, field, pool, per-entrant weight and live implied payout per 1 USD",
  request: { params: z.object({ raceId: z.string().min(1).max(80) }) },
  responses: { 200: jsonResponse(RaceDetailSchema, "The race"), ...errorResponses("unauthorized", "not_found") },
});

export const raceReadRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    return c.json({ races: await listRaces(dbOf(c), { status: q.status, limit: q.limit }) }, 200);
  })
  .openapi(currentRoute, async (c) => {
    const db = dbOf(c);
    const id = await currentRaceId(db);
    const race = id ? await raceDetail(db, id, c.get("deps").clock.nowMs()) : undefined;
    if (!race) throw notFound("current race");
    return c.json(race, 200);
  })
  .openapi(oneRoute, async (c) => {
    const race = await raceDetail(dbOf(c), c.req.valid("param").raceId, c.get("deps").clock.nowMs());
    if (!race) throw notFound("race");
    return c.json(race, 200);
  });

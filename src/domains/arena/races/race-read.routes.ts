/**
 * Race reads of the race side (issue 19): `GET /races/{raceId}/standings` (entrants' equity, return and
 * drawdown from the trading projection while the race runs; the final results and places after) and
 * `GET /races/{raceId}/settlement` (the stored settlement with the CLI's field names, 404 until it is
 * complete). Any signed-in caller may read them.
 */
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../../http/access";
import { errorResponses, notFound } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { findSettlement, settlementWire } from "../settlement/settlement.service";
import { dbOf } from "./race.http";
import { RaceStateSchema } from "./race.model";
import { listEntrants } from "./race.service";
import { raceAccountsOf } from "./race-accounts.port";
import { findRace } from "./race-moves.storage";

const RaceParams = z.object({ raceId: z.string().min(1).max(80) });
const readErrors = errorResponses("validation_failed", "unauthorized", "not_found");

export const StandingEntrySchema = z
  .object({
    entrantId: z.string(),
    cloneId: z.string(),
    seat: z.number().int(),
    displayName: z.string(),
    status: z.enum(["entered", "scratched"]),
    /** live: from the trading projection; final: from the finalized result. */
    source: z.enum(["none", "live", "final"]),
    equityMicroUsd: z.number().int().nullable(),
    returnBps: z.number().int().nullable(),
    drawdownBps: z.number().int().nullable(),
    maxDrawdownBps: z.number().int().nullable(),
    liquidated: z.boolean().nullable(),
    place: z.number().int().nullable(),
  })
  .openapi("RaceStandingEntry");

const StandingsSchema = z
  .object({ raceId: z.string(), status: RaceStateSchema, entrants: z.array(StandingEntrySchema) })
  .openapi("RaceStandings");

const standingsRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/races/{raceId}/standings",
  tags: ["arena"],
  summary: "Entrants' equity, return and drawdown (live from trading while the race runs; final results and places after)",
  request: { params: RaceParams },
  responses: { 200: jsonResponse(StandingsSchema, "Standings in seat order"), ...readErrors },
});

const Amount = z.union([z.number().int(), z.string()]);
export const SettlementWireSchema = z
  .object({
    raceId: z.string(),
    poolMicroUsd: Amount,
    rakeMicroUsd: Amount,
    creatorPoolMicroUsd: Amount,
    distributionPoolMicroUsd: Amount,
    carryInMicroUsd: Amount,
    carryOutMicroUsd: Amount,
    ranking: z.array(z.object({ place: z.number().int(), entrantId: z.string() })),
    payouts: z.array(
      z.object({
        ticketId: z.string(),
        userId: z.string(),
        entrantId: z.string(),
        place: z.number().int(),
        weight: Amount,
        amountMicroUsd: Amount,
      }),
    ),
    royalties: z.array(z.object({ place: z.number().int(), entrantId: z.string(), creatorUserId: z.string(), amountMicroUsd: Amount })),
    refunds: z.array(z.object({ ticketId: z.string(), userId: z.string(), amountMicroUsd: Amount })),
    settlementHash: z.string(),
  })
  .openapi("RaceSettlement");

const settlementRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/races/{raceId}/settlement",
  tags: ["arena"],
  summary: "The race's settlement, with the field names of `npm run arena:settle` (404 until it is complete)",
  request: { params: RaceParams },
  responses: { 200: jsonResponse(SettlementWireSchema, "The settlement"), ...readErrors },
});

export const raceReadRoutes = createRouter()
  .openapi(standingsRoute, async (c) => {
    const db = dbOf(c);
    const race = await findRace(db, c.req.valid("param").raceId);
    if (!race) throw notFound("race");
    const settlement = await findSettlement(db, race.id);
    const places = new Map(
      settlement?.status === "complete"
        ? (JSON.parse(settlement.rankingJson) as Array<{ place: number; entrantId: string }>).map((r) => [r.entrantId, r.place])
        : [],
    );
    const running = race.status === "launched" || race.status === "live";
    const accounts = raceAccountsOf(c.get("deps"), c.env);
    const entrants = [];
    for (const e of await listEntrants(db, race.id)) {
      const live = running && e.accountId ? await accounts.standing(e.accountId) : null;
      const final = e.resultStatus !== null;
      entrants.push({
        entrantId: e.id,
        cloneId: e.cloneId,
        seat: e.seat,
        displayName: e.displayName,
        status: e.status,
        source: final ? ("final" as const) : live ? ("live" as const) : ("none" as const),
        equityMicroUsd: live?.equityMicroUsd ?? null,
        returnBps: final ? e.returnBps : (live?.returnBps ?? null),
        drawdownBps: live?.drawdownBps ?? null,
        maxDrawdownBps: final ? e.maxDrawdownBps : null,
        liquidated: final ? e.resultStatus === "liquidated" : null,
        place: places.get(e.id) ?? null,
      });
    }
    return c.json({ raceId: race.id, status: race.status, entrants }, 200);
  })
  .openapi(settlementRoute, async (c) => {
    const wire = await settlementWire(dbOf(c), c.req.valid("param").raceId);
    if (!wire) throw notFound("settlement");
    return c.json(wire as z.infer<typeof SettlementWireSchema>, 200);
  });

/**
 * The Arena's race-side routes (engineer B: race standings and settlement, admin race controls, Hall of
 * Fame and retirement), composed into one router mounted under /api/v1 in src/app.ts beside A's routes.
 */
import { createRouter } from "../../http/router";
import { raceAdminRoutes } from "./races/race-admin.routes";
import { raceReadRoutes } from "./races/race-read.routes";
import { standingRoutes } from "./standing/standing.routes";

/** Every race-side route (B), mounted beside A's arena routes. */
export const arenaRaceRoutes = createRouter().route("/", raceReadRoutes).route("/", raceAdminRoutes).route("/", standingRoutes);

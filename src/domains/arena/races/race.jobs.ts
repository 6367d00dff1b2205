/**
 * The `arena.races` cron job (every minute; src/schedule.ts): one pass of the race lifecycle over every
 * race that can move now (scratch, launch or cancel, open accounts, start, close and finalize at the
 * window's end, settle, standing, archive), then a new accumulating race when none is. Idempotent: a
 * manual run beside a cron tick is harmless (every move is conditional, every write keyed).
 */
import { z } from "zod";
import { defineJob } from "../../../cron/job";
import { openDb } from "../../../db/client";
import { artifactStoreFor } from "../../artifacts";
import { readRaceConfig } from "./race.config";
import { stepRaces } from "./race.service";
import { raceAccountsOf } from "./race-accounts.port";

export const raceJobs = [
  defineJob({
    name: "arena.races",
    description: "Steps every Arena race (create, scratch, launch, start, close, settle, standing, archive)",
    params: z.object({}),
    async run({ env, deps, scheduledAtMs }) {
      const counts = await stepRaces({
        db: openDb(env.DB),
        deps,
        settings: readRaceConfig(env),
        accounts: raceAccountsOf(deps, env),
        cause: { kind: "job", ref: `arena.races@${scheduledAtMs}` },
        artifacts: artifactStoreFor(env as unknown as Record<string, unknown> & { ARTIFACTS: R2Bucket }),
      });
      const items = Object.entries(counts).reduce((s, [k, v]) => s + (k === "waiting" ? 0 : v), 0);
      return { itemsProcessed: items, summary: counts };
    },
  }),
];

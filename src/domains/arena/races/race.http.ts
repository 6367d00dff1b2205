/**
 * HTTP helpers of the Arena's race side: the db and the race context from the request, the audit actor,
 * and the mapping of race failures to the error envelope (the one place reasons become statuses).
 * Callers: the race, admin and standing routes.
 */
import type { Context } from "hono";
import { openDb } from "../../../db/client";
import type { AppEnv } from "../../../http/app-env";
import { ApiError, notFound } from "../../../http/errors";
import { artifactStoreFor } from "../../artifacts";
import { readRaceConfig } from "./race.config";
import type { RaceMoveCause } from "./race.model";
import type { RaceContext } from "./race.service";
import { raceAccountsOf } from "./race-accounts.port";

export const dbOf = (c: Context<AppEnv>) => openDb(c.env.DB);

/** The audit actor: the user id, or `<role>:<id>` for admins and services. */
export function actorOf(c: Context<AppEnv>): string {
  const auth = c.get("auth");
  return auth.role === "user" ? auth.sub : `${auth.role}:${auth.sub}`;
}

/** The race context of an admin request (cause: that admin). */
export function raceContextOf(c: Context<AppEnv>): RaceContext {
  const cause: RaceMoveCause = { kind: "admin", ref: actorOf(c) };
  return {
    db: dbOf(c),
    deps: c.get("deps"),
    settings: readRaceConfig(c.env),
    accounts: raceAccountsOf(c.get("deps"), c.env),
    cause,
    artifacts: artifactsOf(c.env),
  };
}

/** The artifact store of this environment (settlement documents). */
export function artifactsOf(env: AppEnv["Bindings"]) {
  return artifactStoreFor(env as unknown as Record<string, unknown> & { ARTIFACTS: R2Bucket });
}

/** A race failure as the error envelope (404 for unknown, 409 with a `code` otherwise). */
export function raceError(f: { kind: string } & Record<string, unknown>): ApiError {
  if (f.kind === "not_found") return notFound("race");
  const messages: Record<string, string> = {
    invalid_transition: `cannot ${String(f.event)} a race that is ${String(f.from)}`,
    results_missing: "not every entrant has a finalized result yet",
    not_settling: `the race is ${String(f.status)}, not settling`,
  };
  return new ApiError("conflict", messages[f.kind] ?? f.kind, { code: f.kind, ...f });
}

/**
 * The demo Arena race `npm start` seeds and `npm run demo:check` checks, over HTTP against the real
 * Worker, through operator paths only (no fabricated chain receipts: the one recorded fee receipt pays
 * for one audition, so the racers are seated by an admin):
 *   1. two demo racers, "Demo BTC/ETH" (user `demo`, the demo clone) and "Demo ETH" (user `demo-rival`),
 *      both rules-v1, seated with `POST /admin/lifecycle/slots/{cloneId}/seat` (reason "demo seed");
 *   2. the accumulating race over them: the one there is, else `POST /admin/races` with short windows
 *      (a leftover accumulating race with fewer than 2 entrants is cancelled first, refunding its tickets;
 *      one whose accumulation closed while npm start was down is advanced first, as the cron job would);
 *   3. demo tickets from two demo bettors, paid from Arena balances funded by
 *      `POST /admin/arena/balances/{userId}/adjustments` with the reason "demo seed".
 * Idempotent across restarts on the same local state: seated clones stay seated, an accumulating race is
 * reused, a bettor's tickets on a race are bought once (looked up first; `Idempotency-Key` per race and
 * ticket), and a balance is topped up only by what its missing tickets need.
 */

import { apiAs, DEMO_CLONE_NAME, DEMO_USER, type DemoApi, ensureDemoClone, must } from "./demo";
import { DEMO_GRAPH, DEMO_RIVAL_GRAPH } from "./demo-graph";

/** The demo race's windows (minutes): the admin overrides of the seeded race, and `npm start`'s ARENA_* vars. */
export interface DemoRaceWindows {
  accumulationMinutes: number;
  startDelayMinutes: number;
  liveMinutes: number;
}
export const DEMO_RACE_WINDOWS: DemoRaceWindows = { accumulationMinutes: 3, startDelayMinutes: 1, liveMinutes: 5 };
/**
 * `npm start`'s local ARENA_STRIKES_TO_RETIRE: with two racers one finishes last every race and gets a
 * strike; at wrangler.toml's 3 it would retire within half an hour, leaving no field for the next race.
 */
export const DEMO_STRIKES_TO_RETIRE = 1000;

export const DEMO_RACERS = [
  { user: DEMO_USER, name: DEMO_CLONE_NAME, graph: DEMO_GRAPH },
  { user: "demo-rival", name: "Demo ETH", graph: DEMO_RIVAL_GRAPH },
] as const;

/** Demo tickets: `racer` indexes DEMO_RACERS; amounts in micro-USD (the minimum ticket is 1 USD). */
export const DEMO_TICKETS = [
  { user: "demo-bettor-1", racer: 0, amountMicroUsd: 10_000_000 },
  { user: "demo-bettor-2", racer: 1, amountMicroUsd: 6_000_000 },
  { user: "demo-bettor-2", racer: 0, amountMicroUsd: 2_000_000 },
] as const;

export const DEMO_SEED_REASON = "demo seed";
/** An accumulating race closing sooner than this is not seeded with tickets (they would arrive too late). */
const TICKET_MARGIN_MS = 20_000;
const ADMIN = "demo-seed";

interface RaceView {
  id: string;
  status: string;
  poolMicroUsd: number;
  closesAtMs: number;
  liveEndsAtMs: number;
  field: Array<{ entrantId: string; cloneId: string; status: string }>;
}

/** The current race (GET /races/current), if any. */
export async function currentRace(api: DemoApi): Promise<RaceView | undefined> {
  const res = await api.call("GET", "/races/current");
  if (res.status === 404) return undefined;
  return must("current race", res, [200]) as unknown as RaceView;
}

async function seatRacers(admin: DemoApi, cloneIds: string[], log: (line: string) => void): Promise<void> {
  const slots = must("arena slots", await admin.call("GET", "/arena/slots"), [200]) as { slots: Array<{ cloneId: string | null }> };
  const seated = new Set(slots.slots.map((s) => s.cloneId));
  for (const cloneId of cloneIds) {
    if (seated.has(cloneId)) continue;
    const res = await admin.call("POST", `/admin/lifecycle/slots/${cloneId}/seat`, { reason: `${DEMO_SEED_REASON}: npm start` });
    const body = must(`seat ${cloneId}`, res, [200]) as { slot: number };
    log(`demo: seated ${cloneId} in Arena slot ${body.slot} (admin seat, "${DEMO_SEED_REASON}")`);
  }
}

/** The accumulating race with >= 2 of the demo racers entered, created (or a short-field one replaced) when needed. */
async function demoRace(admin: DemoApi, cloneIds: string[], windows: DemoRaceWindows, log: (line: string) => void): Promise<RaceView> {
  const entered = (race: RaceView) => race.field.filter((e) => e.status === "entered" && cloneIds.includes(e.cloneId)).length;
  const now = await currentRace(admin);
  // Closed while npm start was down (or about to close): no ticket can enter; launch it now, as the cron job would.
  if (now?.status === "accumulating" && now.closesAtMs <= Date.now() + TICKET_MARGIN_MS) {
    // 409: the cron job moved it first.
    const moved = must(`advance ${now.id}`, await admin.call("POST", `/admin/races/${now.id}/advance`), [200, 409]) as { status?: string };
    log(
      `demo: ${now.id} closes within ${TICKET_MARGIN_MS / 1000} s or has closed; advanced now (${moved.status ?? "moved by the cron job"})`,
    );
  } else if (now?.status === "accumulating" && entered(now) >= 2) return now;
  else if (now?.status === "accumulating") {
    must(
      `cancel ${now.id}`,
      await admin.call("POST", `/admin/races/${now.id}/cancel`, { reason: `${DEMO_SEED_REASON}: field without the demo racers` }),
      [200],
    );
    log(`demo: cancelled ${now.id} (its field lacks the demo racers; confirmed tickets refunded)`);
  }
  const made = must("create the demo race", await admin.call("POST", "/admin/races", windows), [200]) as {
    created: boolean;
    race: { raceId: string };
  };
  if (made.created)
    log(`demo: created ${made.race.raceId} (accumulate ${windows.accumulationMinutes} min, live ${windows.liveMinutes} min)`);
  const race = must("read the demo race", await admin.call("GET", `/races/${made.race.raceId}`), [200]) as unknown as RaceView;
  if (entered(race) < 2) throw new Error(`${race.id} has ${entered(race)} demo racers entered (Arena slots full?)`);
  return race;
}

async function buyDemoTickets(
  race: RaceView,
  cloneIds: string[],
  api: (user: string) => Promise<DemoApi>,
  admin: DemoApi,
  log: (line: string) => void,
): Promise<void> {
  for (const user of [...new Set(DEMO_TICKETS.map((t) => t.user))]) {
    const bettor = await api(user);
    const mine = DEMO_TICKETS.map((t, i) => ({ ...t, key: `demo-seed-${race.id}-${i}` })).filter((t) => t.user === user);
    const had = must("my tickets", await bettor.call("GET", `/me/tickets?raceId=${race.id}`), [200]) as { tickets: unknown[] };
    const missing = mine.slice(had.tickets.length);
    if (!missing.length) continue;
    const need = missing.reduce((s, t) => s + t.amountMicroUsd, 0);
    const balance = Number(
      (must("my balance", await bettor.call("GET", "/me/balance"), [200]) as { balanceMicroUsd: number }).balanceMicroUsd,
    );
    if (balance < need) {
      must(
        `fund ${user}`,
        await admin.call("POST", `/admin/arena/balances/${user}/adjustments`, { amountMicroUsd: need - balance, reason: DEMO_SEED_REASON }),
        [201],
      );
      log(`demo: credited ${user} ${(need - balance) / 1e6} USD (reason "${DEMO_SEED_REASON}")`);
    }
    for (const t of missing) {
      const entrant = race.field.find((e) => e.cloneId === cloneIds[t.racer]);
      if (!entrant) continue;
      const body = { entrantId: entrant.entrantId, amountMicroUsd: t.amountMicroUsd, payWith: "balance" };
      must(`ticket of ${user}`, await bettor.call("POST", `/races/${race.id}/tickets`, body, { "idempotency-key": t.key }), [201]);
      log(`demo: ${user} bought ${t.amountMicroUsd / 1e6} USD on ${entrant.entrantId}`);
    }
  }
}

/** Seeds the demo race (idempotently) and answers it as GET /races/{id} shows it after the tickets. */
export async function seedDemoArena(
  baseUrl: string,
  secret: string,
  windows: DemoRaceWindows,
  log: (line: string) => void,
): Promise<RaceView> {
  const api = (user: string, role: "user" | "admin" = "user") => apiAs(baseUrl, secret, user, role);
  const cloneIds: string[] = [];
  for (const racer of DEMO_RACERS) cloneIds.push(await ensureDemoClone(await api(racer.user), racer.name, racer.graph, log));
  const admin = await api(ADMIN, "admin");
  await seatRacers(admin, cloneIds, log);
  const race = await demoRace(admin, cloneIds, windows, log);
  await buyDemoTickets(race, cloneIds, api, admin, log);
  return must("read the demo race", await admin.call("GET", `/races/${race.id}`), [200]) as unknown as RaceView;
}

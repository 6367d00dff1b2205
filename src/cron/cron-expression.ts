/**
 * A small five-field cron parser (minute hour day-of-month month day-of-week, UTC), enough for the
 * expressions in wrangler.toml: `*`, numbers, lists, ranges and steps. Used to derive each job's
 * expected cadence (health staleness) and by the local clock that drives `wrangler dev --test-scheduled`.
 * Note: when both day fields are restricted, cron matches either (classic Vixie semantics).
 */
const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "dayOfMonth", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "dayOfWeek", min: 0, max: 6 },
] as const;

export interface CronExpression {
  readonly source: string;
  readonly fields: ReadonlyArray<ReadonlySet<number>>;
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
}

function parseField(text: string, min: number, max: number, name: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [rangeText = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new RangeError(`bad step in ${name}: ${part}`);
    let lo = min;
    let hi = max;
    if (rangeText !== "*") {
      const [a, b] = rangeText.split("-");
      lo = Number(a);
      hi = b === undefined ? (stepText === undefined ? lo : max) : Number(b);
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < min || hi > max || lo > hi) {
      throw new RangeError(`bad ${name} field: ${part}`);
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

/** Parses a five-field cron expression; throws RangeError on anything else. */
export function parseCron(source: string): CronExpression {
  const parts = source.trim().split(/\s+/);
  if (parts.length !== 5) throw new RangeError(`cron needs 5 fields: "${source}"`);
  const fields = FIELDS.map((f, i) => {
    const set = parseField(parts[i] as string, f.min, f.max === 6 ? 7 : f.max, f.name);
    if (f.name === "dayOfWeek" && set.delete(7)) set.add(0); // 7 is Sunday too
    return set;
  });
  return { source, fields, dayOfMonthRestricted: parts[2] !== "*", dayOfWeekRestricted: parts[4] !== "*" };
}

/** True when the expression fires at the UTC minute containing `ms`. */
export function cronMatches(cron: CronExpression, ms: number): boolean {
  const d = new Date(ms);
  const [minute, hour, dom, month, dow] = cron.fields as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (!minute.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !month.has(d.getUTCMonth() + 1)) return false;
  const domOk = dom.has(d.getUTCDate());
  const dowOk = dow.has(d.getUTCDay());
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) return domOk || dowOk;
  return domOk && dowOk;
}

/** The first firing time strictly after `ms` (minute resolution), searched up to ~366 days ahead. */
export function nextFire(cron: CronExpression, ms: number): number {
  let t = Math.floor(ms / 60_000) * 60_000 + 60_000;
  const limit = t + 366 * 86_400_000;
  while (t <= limit) {
    if (cronMatches(cron, t)) return t;
    t += 60_000;
  }
  throw new RangeError(`cron never fires: ${cron.source}`);
}

/** The largest gap between consecutive firings over the next week: the cadence a job is held to. */
export function cadenceMs(cron: CronExpression, fromMs = Date.UTC(2026, 0, 5)): number {
  let worst = 0;
  let prev = nextFire(cron, fromMs);
  const end = fromMs + 7 * 86_400_000;
  while (prev < end) {
    const next = nextFire(cron, prev);
    worst = Math.max(worst, next - prev);
    prev = next;
  }
  return worst;
}

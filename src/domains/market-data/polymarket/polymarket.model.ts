/**
 * Polymarket wire shapes (Gamma keyset pages, events, markets; CLOB price history), their mapping to
 * compact rows, and the pure context reads: the *immediate* market of an event or target (the
 * soonest-resolving open market) and the *later* market (the next one), plus the legacy asset-keyword
 * matching used to pick markets to watch. Gamma sends `outcomes`, `outcomePrices` and `clobTokenIds`
 * as JSON-encoded strings, index-aligned (binary: 0 = Yes); numbers arrive as numbers or strings.
 */
import { z } from "zod";

const num = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === "" ? null : Number(v)))
  .refine((v) => v === null || Number.isFinite(v), "not a number");
const bool = z
  .boolean()
  .nullish()
  .transform((v) => v ?? false);
const isoMs = z
  .string()
  .nullish()
  .transform((v) => (v ? Date.parse(v) : null))
  .refine((v) => v === null || Number.isFinite(v), "not a date");
const jsonStringArray = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (!v) return [] as string[];
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // fall through
    }
    ctx.addIssue({ code: "custom", message: "expected a JSON-encoded array" });
    return z.NEVER;
  });
const TagSchema = z.object({ slug: z.string() }).loose();

export const GammaMarketSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    question: z.string(),
    conditionId: z.string().nullish(),
    outcomes: jsonStringArray,
    outcomePrices: jsonStringArray,
    clobTokenIds: jsonStringArray,
    startDate: isoMs,
    endDate: isoMs,
    active: bool,
    closed: bool,
    archived: bool,
    volume: num,
    liquidity: num,
    updatedAt: isoMs,
    events: z.array(z.object({ id: z.string() }).loose()).nullish(),
    tags: z.array(TagSchema).nullish(),
  })
  .loose();
export type GammaMarket = z.infer<typeof GammaMarketSchema>;

export const GammaEventSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    title: z.string(),
    startDate: isoMs,
    endDate: isoMs,
    active: bool,
    closed: bool,
    archived: bool,
    volume: num,
    liquidity: num,
    updatedAt: isoMs,
    tags: z.array(TagSchema).nullish(),
    markets: z.array(GammaMarketSchema).nullish(),
  })
  .loose();
export type GammaEvent = z.infer<typeof GammaEventSchema>;

/** `/events/keyset` and `/markets/keyset` pages: `next_cursor` is absent on the last page. */
export const EventsPageSchema = z.object({ events: z.array(GammaEventSchema), next_cursor: z.string().nullish() });
export const MarketsPageSchema = z.object({ markets: z.array(GammaMarketSchema), next_cursor: z.string().nullish() });
/** CLOB `/prices-history`: `t` unix seconds, `p` price. */
export const PriceHistorySchema = z.object({ history: z.array(z.object({ t: z.number().int(), p: z.number() })) });

export const OutcomeSchema = z.object({ name: z.string(), price: z.number().nullable(), tokenId: z.string().nullable() });
export type Outcome = z.infer<typeof OutcomeSchema>;

const microUsd = (usd: number | null) => (usd === null ? null : Math.round(usd * 1_000_000));

/** Compact event row (`polymarket_events` columns in camelCase). */
export function toEventRow(e: GammaEvent, ingestedAtMs: number) {
  return {
    id: e.id,
    slug: e.slug,
    title: e.title,
    startMs: e.startDate,
    endMs: e.endDate,
    active: e.active,
    closed: e.closed,
    archived: e.archived,
    volumeMicroUsd: microUsd(e.volume),
    liquidityMicroUsd: microUsd(e.liquidity),
    tagsJson: JSON.stringify((e.tags ?? []).map((t) => t.slug)),
    sourceUpdatedAtMs: e.updatedAt,
    ingestedAtMs,
  };
}
export type EventRowInput = ReturnType<typeof toEventRow>;

/** Compact market row; `eventId`/`tags` come from the parent event when the market was embedded. */
export function toMarketRow(m: GammaMarket, parent: { eventId: string | null; tags: string[] }, ingestedAtMs: number) {
  return {
    id: m.id,
    eventId: parent.eventId ?? m.events?.[0]?.id ?? null,
    slug: m.slug,
    question: m.question,
    conditionId: m.conditionId ?? null,
    outcomesJson: JSON.stringify(outcomesOf(m)),
    startMs: m.startDate,
    endMs: m.endDate,
    active: m.active,
    closed: m.closed,
    archived: m.archived,
    volumeMicroUsd: microUsd(m.volume),
    liquidityMicroUsd: microUsd(m.liquidity),
    tagsJson: JSON.stringify(parent.tags.length > 0 ? parent.tags : (m.tags ?? []).map((t) => t.slug)),
    sourceUpdatedAtMs: m.updatedAt,
    ingestedAtMs,
    // The stored row keeps its first value (polymarket.discovery.ts MARKETS upsert).
    firstSeenAtMs: ingestedAtMs,
  };
}
export type MarketRowInput = ReturnType<typeof toMarketRow>;

/** Zips the three index-aligned arrays into outcomes. */
export function outcomesOf(m: Pick<GammaMarket, "outcomes" | "outcomePrices" | "clobTokenIds">): Outcome[] {
  return m.outcomes.map((name, i) => {
    const price = m.outcomePrices[i] === undefined ? null : Number(m.outcomePrices[i]);
    return { name, price: price !== null && Number.isFinite(price) ? price : null, tokenId: m.clobTokenIds[i] ?? null };
  });
}

/** The fields context selection needs. */
export interface MarketForContext {
  id: string;
  endMs: number | null;
  closed: boolean;
  active: boolean;
}

/**
 * Open markets that have not yet reached their end, ordered soonest-resolving first (ties by id).
 * `immediate` is the first, `later` the next one after it.
 */
export function immediateAndLater<M extends MarketForContext>(markets: M[], nowMs: number): { immediate: M | null; later: M | null } {
  const open = markets
    .filter((m) => m.active && !m.closed && m.endMs !== null && m.endMs > nowMs)
    .sort((a, b) => (a.endMs as number) - (b.endMs as number) || a.id.localeCompare(b.id));
  return { immediate: open[0] ?? null, later: open[1] ?? null };
}

/** Legacy asset-linked matching: an asset's keywords (whole words in question/slug) or tags. */
export const ASSET_KEYWORDS: Readonly<Record<string, { words: string[]; tags: string[] }>> = {
  BTC: { words: ["bitcoin", "btc"], tags: ["bitcoin"] },
  ETH: { words: ["ethereum", "eth", "ether"], tags: ["ethereum"] },
  SOL: { words: ["solana", "sol"], tags: ["solana"] },
  HYPE: { words: ["hyperliquid", "hype"], tags: ["hyperliquid"] },
};

/** True when the market mentions the asset by a keyword (as a whole word) or carries one of its tags. */
export function matchesAsset(market: { question: string; slug: string; tags: string[] }, asset: string): boolean {
  const rule = ASSET_KEYWORDS[asset.toUpperCase()];
  if (!rule) return false;
  if (market.tags.some((t) => rule.tags.includes(t))) return true;
  const words = new Set(`${market.question} ${market.slug.replaceAll("-", " ")}`.toLowerCase().split(/[^a-z0-9]+/));
  return rule.words.some((w) => words.has(w));
}

/** A context target: `market:<id|slug>`, `event:<id|slug>`, `asset:<symbol>` or a bare id/slug. */
export const TargetSchema = z
  .string()
  .min(1)
  .max(200)
  .transform((raw) => {
    const m = /^(market|event|asset):(.+)$/.exec(raw);
    return m ? { kind: m[1] as "market" | "event" | "asset", ref: m[2] as string } : { kind: "any" as const, ref: raw };
  });
export type Target = z.infer<typeof TargetSchema>;

/**
 * Item-tolerant page shapes for discovery: the page itself must be well formed (else the run fails),
 * but each event and each embedded or listed market is validated alone, so one malformed item is
 * skipped and counted instead of failing a 50,000-market run.
 */
export const LooseEventsPageSchema = z.object({ events: z.array(z.unknown()), next_cursor: z.string().nullish() });
export const LooseMarketsPageSchema = z.object({ markets: z.array(z.unknown()), next_cursor: z.string().nullish() });
const EventShellSchema = GammaEventSchema.extend({ markets: z.array(z.unknown()).nullish() });

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseItem<T>(schema: z.ZodType<T>, item: unknown): Parsed<T> {
  const r = schema.safeParse(item);
  if (r.success) return { ok: true, value: r.data };
  const id = typeof item === "object" && item !== null ? String((item as { id?: unknown }).id ?? "?") : "?";
  const issue = r.error.issues[0];
  return { ok: false, reason: `id ${id}: ${issue?.path.join(".") || "item"} ${issue?.message ?? "invalid"}` };
}

/** An event (its embedded markets validated one by one) or why it was skipped. */
export function parseEvent(item: unknown): { event: Parsed<GammaEvent>; markets: Array<Parsed<GammaMarket>> } {
  const shell = parseItem(EventShellSchema, item);
  if (!shell.ok) return { event: shell, markets: [] };
  const markets = (shell.value.markets ?? []).map((m) => parseItem(GammaMarketSchema, m));
  const kept = markets.flatMap((m) => (m.ok ? [m.value] : []));
  return { event: { ok: true, value: { ...shell.value, markets: kept } }, markets };
}

export const parseMarket = (item: unknown): Parsed<GammaMarket> => parseItem(GammaMarketSchema, item);

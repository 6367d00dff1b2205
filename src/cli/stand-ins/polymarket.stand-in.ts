/**
 * Polymarket stand-in (Gamma + CLOB on one port) serving the REAL recorded objects in
 * test/fixtures/polymarket with the real paths and pagination shapes.
 *
 * Derived, not recorded (the recording has no such answers; values all come from recorded objects):
 * - `/events/keyset` and `/markets/keyset` pages: the recorded events (with embedded markets) and
 *   markets, split into pages of `limit` with an opaque `next_cursor` (absent on the last page);
 *   `closed=false` / `active=true` filter like Gamma does.
 * - Events 260654 and 346898 are the event objects embedded in the recorded markets
 *   `btc-updown-5m...` and the CS2 moneyline, with that recorded market embedded in turn.
 * - `/__delisted/<id,id,...>/<path>`: answers `<path>` without those events/markets (also where
 *   embedded), as Gamma's open lists do once they resolved, closed or were archived since the
 *   recording (stateless, like the fault prefixes).
 * - `/__scaled/<n>/<path>`: `/markets/keyset` lists <n> open markets, the recorded open markets copied
 *   with ids and slugs suffixed `-c<copy>` (every other field as recorded, as the discovery bench
 *   does), generated per page so 50,000 cost no memory; the item at index n/2 is malformed (its
 *   `question` is a number). Other paths (events included) answer as recorded.
 * - `/prices-history?market=<token>`: one point per token, the market's recorded `outcomePrices[i]`
 *   at its recorded `updatedAt` (no price history was recorded).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Handler, json, startStandIn } from "./stand-in-server";

type Obj = Record<string, unknown> & { id: string };

export function loadPolymarketRecording(dir = join(process.cwd(), "test/fixtures/polymarket")) {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown;
  const nominee = read("gamma_events_democratic-presidential-nominee-2028.json") as Obj[];
  const search = read("gamma_public-search.json") as { events: Obj[] };
  const standalone = [
    "gamma_market_btc-updown-5m_open.json",
    "gamma_market_closed_binary.json",
    "gamma_market_closed_legacy_scalar.json",
    "gamma_market_sports_moneyline_closed.json",
  ].map((f) => read(f) as Obj);
  const events: Obj[] = [...nominee, ...search.events];
  for (const market of standalone) {
    const embedded = (market.events as Obj[] | undefined)?.[0];
    if (embedded && !events.some((e) => e.id === embedded.id)) {
      const { events: _drop, ...bare } = market;
      events.push({ ...embedded, markets: [bare] });
    }
  }
  const markets = new Map<string, Obj>();
  for (const e of events) for (const m of (e.markets as Obj[] | undefined) ?? []) markets.set(m.id, m);
  for (const m of standalone) markets.set(m.id, m);
  return { events, markets: [...markets.values()], tags: read("gamma_tags.json") };
}

const cursorOf = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url");
const offsetOf = (cursor: string | null) => (cursor ? Number(Buffer.from(cursor, "base64url").toString().split(":")[1]) || 0 : 0);

function filtered(items: Obj[], url: URL): Obj[] {
  return items.filter((i) => {
    for (const flag of ["closed", "active", "archived"]) {
      const want = url.searchParams.get(flag);
      if (want !== null && Boolean(i[flag]) !== (want === "true")) return false;
    }
    return true;
  });
}

function keysetPage(key: "events" | "markets", items: Obj[], url: URL, cap: number) {
  const limit = Math.min(Number(url.searchParams.get("limit") ?? cap) || cap, cap);
  const offset = offsetOf(url.searchParams.get("after_cursor"));
  const all = filtered(items, url);
  const page = all.slice(offset, offset + limit);
  const next = offset + limit < all.length ? cursorOf(offset + limit) : undefined;
  return json({ [key]: page, ...(next ? { next_cursor: next } : {}) });
}

function priceHistory(markets: Obj[], token: string | null) {
  for (const m of markets) {
    const tokens = JSON.parse(String(m.clobTokenIds ?? "[]")) as string[];
    const i = token ? tokens.indexOf(token) : -1;
    if (i < 0) continue;
    const prices = JSON.parse(String(m.outcomePrices ?? "[]")) as string[];
    return json({ history: [{ t: Math.floor(Date.parse(String(m.updatedAt)) / 1000), p: Number(prices[i]) }] });
  }
  return json({ error: "market not found" }, 400);
}

const DELISTED = /^\/__delisted\/([^/]+)(\/.*)$/;
const SCALED = /^\/__scaled\/(\d+)(\/.*)$/;

/** `/markets/keyset` over `n` copies of the recorded open markets, built page by page; one malformed item. */
function scaledMarketsPage(recording: ReturnType<typeof loadPolymarketRecording>, n: number, url: URL) {
  const open = recording.markets.filter((m) => !m.closed);
  const limit = Math.min(Number(url.searchParams.get("limit") ?? 100) || 100, 100);
  const offset = offsetOf(url.searchParams.get("after_cursor"));
  const page: Obj[] = [];
  for (let i = offset; i < Math.min(offset + limit, n); i++) {
    const c = Math.floor(i / open.length);
    const m = open[i % open.length] as Obj;
    const copy: Obj = { ...m, id: `${m.id}-c${c}`, slug: `${String(m.slug)}-c${c}` };
    page.push(i === Math.floor(n / 2) ? { ...copy, question: 42 } : copy);
  }
  const next = offset + limit < n ? cursorOf(offset + limit) : undefined;
  return json({ markets: page, ...(next ? { next_cursor: next } : {}) });
}

/** The recording without the given event/market ids (also embedded markets). */
function without(recording: ReturnType<typeof loadPolymarketRecording>, ids: Set<string>) {
  const keep = (o: Obj) => !ids.has(o.id);
  const events = recording.events.filter(keep).map((e) => (e.markets ? { ...e, markets: (e.markets as Obj[]).filter(keep) } : e));
  return { ...recording, events, markets: recording.markets.filter(keep) };
}

export function polymarketHandler(recording = loadPolymarketRecording()): Handler {
  return (url) => {
    const delisted = DELISTED.exec(url.pathname);
    if (delisted) {
      const inner = new URL(url);
      inner.pathname = delisted[2] as string;
      return polymarketHandler(without(recording, new Set(decodeURIComponent(delisted[1] as string).split(","))))(inner);
    }
    const scaled = SCALED.exec(url.pathname);
    if (scaled) {
      const inner = new URL(url);
      inner.pathname = scaled[2] as string;
      if (inner.pathname === "/markets/keyset") return scaledMarketsPage(recording, Number(scaled[1]), inner);
      return polymarketHandler(recording)(inner);
    }
    const p = url.pathname;
    if (p === "/events/keyset") return keysetPage("events", recording.events, url, 500);
    if (p === "/markets/keyset") return keysetPage("markets", recording.markets, url, 100);
    if (p === "/tags") return json(recording.tags);
    if (p.startsWith("/events/slug/")) {
      const e = recording.events.find((x) => x.slug === decodeURIComponent(p.slice(13)));
      return e ? json(e) : undefined;
    }
    if (p.startsWith("/markets/slug/")) {
      const m = recording.markets.find((x) => x.slug === decodeURIComponent(p.slice(14)));
      return m ? json(m) : undefined;
    }
    if (p === "/prices-history") return priceHistory(recording.markets, url.searchParams.get("market"));
    return undefined;
  };
}

/** Starts the stand-in; the same URL serves Gamma and CLOB paths. */
export async function startPolymarketStandIn() {
  const server = await startStandIn("polymarket", polymarketHandler());
  return {
    ...server,
    vars: {
      POLYMARKET_GAMMA_URL: server.url,
      POLYMARKET_CLOB_URL: server.url,
      // The recording's event that is still open (ends 2028), so price polls have a target offline.
      POLYMARKET_WATCHED_MARKETS: "democratic-presidential-nominee-2028",
    },
  };
}

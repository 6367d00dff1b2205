/**
 * Replay exchange: a local server speaking the subset of Hyperliquid's real protocol the backend
 * uses, fed by real recorded data (test/fixtures). Shared by the workerd tests (test/global-setup.ts),
 * `npm start` (src/cli/lib/local-services.ts) and the feed bench.
 *
 *   POST /info            meta and spotMeta (recorded); metaAndAssetCtxs, predictedFundings, allMids and
 *                         l2Book derived from the candle each replayed coin is at (market.ts: one
 *                         market, so marks agree with the candles); candleSnapshot (replayed series,
 *                         newest 5000, oldest first)
 *   GET  /ws  (upgrade)   text greeting, `candle` 1m subscribe/unsubscribe with acks, ping/pong, error
 *                         frames; pushes carry one object in `data`; the forming candle is re-sent
 *                         `pushesPerMinute` times per minute; idle sockets are dropped after 60 s
 *   POST /exchange        stand-in exchange endpoint (exchange-endpoint.ts); /info also answers extraAgents,
 *                         clearinghouseState, userFills, userFunding, openOrders; POST /control/agents {user, agent}
 *                         approves; POST /control/funding {user, time, rates: {coin: hourly rate}} settles funding;
 *                         every replay hour funding settles by itself at the recorded rates (hourly-funding.ts,
 *                         `hourlyFunding: false` turns it off)
 *   /ws userEvents, orderUpdates  per-user account channels: fills, funding and order statuses the stand-in
 *                         /exchange causes are pushed as `user` / `orderUpdates` frames (user-stream.ts)
 *   POST /malformed/info  the same info answers with one field of the wrong type (for refusal tests)
 *   Limits, per client IP, as the exchange publishes them: request weight (`weightLimit` per
 *                         `weightWindowMs`, sliding; info 20, candleSnapshot + 1 per 60 candles)
 *                         answered 429 past it; at most 10 connections, 30 new connections a
 *                         window, 1000 subscriptions (across connections); a socket the server has
 *                         sent nothing to for 60 s is closed (so a client must ping on quiet coins)
 *   POST /control/hang {ms}  info requests arriving in the next `ms` are never answered
 *                         (until the client gives up): the hung-request test
 *   POST /control/drop    terminates every socket mid-stream
 *   POST /control/silence {ms}  keeps the current sockets open but sending and answering nothing for `ms`
 *   POST /control/inject {frames}  sends raw text frames to every socket (malformed-input tests)
 *   GET  /control/state   speed, shift, connections, subscriptions, virtual now, weight (peak per
 *                         window, 429s answered, requests per info type)
 *
 * Forming-candle re-sends repeat the recorded final values: the recordings have no sub-minute
 * states, and inventing them would be synthetic data.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { type WebSocket, WebSocketServer } from "ws";
import { MINUTE_MS } from "../../core/clock";
import { candleSnapshotWeight, INFO_REQUEST_WEIGHT } from "../../domains/market-data";
import { CandleSource, type CandleSourceOptions } from "./candle-source";
import { createStandInExchange, type StandInExchange, type StandInExchangeOptions } from "./exchange-endpoint";
import { createHourlyFunding, recordedFundingRates } from "./hourly-funding";
import { createReplayMarket, loadRecordedMarket, type ReplayMarket } from "./market";
import { createUserStreamHub } from "./user-stream";

export interface ReplayExchangeOptions extends Partial<CandleSourceOptions> {
  port?: number;
  /** Pushes of the forming candle per virtual minute (the exchange re-sends it on every trade). */
  pushesPerMinute?: number;
  /** How often the push loop runs (real ms). */
  tickMs?: number;
  /** The exchange closes a socket it has sent nothing to for this long. */
  idleTimeoutMs?: number;
  /** Subscriptions per client IP, across its connections (the exchange: 1000). */
  maxSubscriptionsPerConnection?: number;
  /** Request weight per client IP per window (the exchange: 1200 a minute). Tests scale the window. */
  weightLimit?: number;
  weightWindowMs?: number;
  /** Connections per IP open at once, and new connections per IP per window (the exchange: 10, 30 a minute). */
  maxConnectionsPerIp?: number;
  maxNewConnectionsPerWindow?: number;
  /** Start the replay clock at the first subscription instead of at server start (bench). */
  startOnFirstSubscribe?: boolean;
  /** The stand-in `/exchange` (exchange-endpoint.ts): signature source, approved agents, balances. */
  exchange?: StandInExchangeOptions;
  /** Settle funding on open positions every replay hour at the recorded rates (hourly-funding.ts); default true. */
  hourlyFunding?: boolean;
  /** Real time in ms (tests inject one to step the replay minute by minute); default Date.now. */
  clock?: () => number;
}

export interface ReplayExchange {
  baseUrl: string;
  infoUrl: string;
  wsUrl: string;
  source: CandleSource;
  /** The stand-in `/exchange` and account `/info` (approve agents on it directly in tests). */
  exchange: StandInExchange;
  /** The prices the info answers carry (derived from `source`). */
  market: ReplayMarket;
  stop(): Promise<void>;
}

interface Subscription {
  lastIndex: number;
  pushes: number;
}

interface Connection {
  socket: WebSocket;
  ip: string;
  subs: Map<string, Subscription>;
  /** The idle rule counts what the SERVER sent: quiet coins need the client's pings (answered by pongs). */
  lastSentMs: number;
  /** Until then the socket stays open but sends and answers nothing (a silent connection). */
  silentUntilMs: number;
}

const HL_DIR = fileURLToPath(new URL("../../../test/fixtures/hyperliquid/", import.meta.url));
const readFixture = (name: string): unknown => JSON.parse(readFileSync(HL_DIR + name, "utf8"));

/** A copy of `answer` with one field of the wrong type: derived from the recording, for refusal tests. */
function malformed(type: string, answer: unknown): unknown {
  const copy = structuredClone(answer) as Record<string, unknown> | unknown[];
  if (type === "metaAndAssetCtxs") ((copy as [{ universe: Array<Record<string, unknown>> }])[0].universe[3] ?? {}).szDecimals = "four";
  else if (type === "spotMeta") ((copy as { tokens: Array<Record<string, unknown>> }).tokens[1] ?? {}).name = 150;
  else if (type === "predictedFundings") (copy as unknown[][])[0] = ["BTC", "HlPerp"];
  return copy;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A sliding window of request weight per client IP. */
class WeightWindow {
  private readonly entries = new Map<string, Array<{ atMs: number; weight: number }>>();
  peak = 0;
  rejected = 0;
  total = 0;
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}
  private used(ip: string, nowMs: number): number {
    const list = (this.entries.get(ip) ?? []).filter((e) => e.atMs > nowMs - this.windowMs);
    this.entries.set(ip, list);
    return list.reduce((sum, e) => sum + e.weight, 0);
  }
  /** Admits a request of base weight `weight` (false: 429). */
  admit(ip: string, weight: number, nowMs: number): boolean {
    if (this.used(ip, nowMs) + weight > this.limit) {
      this.rejected += 1;
      return false;
    }
    this.charge(ip, weight, nowMs);
    return true;
  }
  /** Adds weight known only after the answer (candleSnapshot's per-candle part). */
  charge(ip: string, weight: number, nowMs: number): void {
    if (weight <= 0) return;
    this.entries.get(ip)?.push({ atMs: nowMs, weight }) ?? this.entries.set(ip, [{ atMs: nowMs, weight }]);
    this.total += weight;
    this.peak = Math.max(this.peak, this.used(ip, nowMs));
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Starts the replay exchange on 127.0.0.1 (port 0 = any free port). */
export async function startReplayExchange(options: ReplayExchangeOptions = {}): Promise<ReplayExchange> {
  const now = options.clock ?? Date.now;
  const source = new CandleSource({
    startRealMs: now(),
    speed: options.speed ?? 1,
    historyMinutes: options.historyMinutes ?? 5000,
    series: options.series,
    fallbackSeries: options.fallbackSeries,
  });
  const pushesPerMinute = options.pushesPerMinute ?? 4;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const maxSubs = options.maxSubscriptionsPerConnection ?? 1000;
  const maxConnections = options.maxConnectionsPerIp ?? 10;
  const maxNewConnections = options.maxNewConnectionsPerWindow ?? 30;
  const weight = new WeightWindow(options.weightLimit ?? 1200, options.weightWindowMs ?? 60_000);
  const newConnections = new WeightWindow(maxNewConnections, options.weightWindowMs ?? 60_000);
  const requestsByType: Record<string, number> = {};
  /** The `startTime` of the last candleSnapshot per coin: tests check where a backfill starts. */
  const lastSnapshotStart: Record<string, number> = {};
  let hangUntilMs = 0;
  const hung = new Set<ServerResponse>();
  const recorded = loadRecordedMarket();
  const market = createReplayMarket(source, recorded);
  const spotMeta = readFixture("spotMeta.json");
  /** Answers per info type at virtual `vNowMs`; `meta` is the meta half of the metaAndAssetCtxs recording. */
  const answers: Record<string, (vNowMs: number, body: Record<string, unknown>) => unknown> = {
    meta: () => recorded.metaAndAssetCtxs[0],
    spotMeta: () => spotMeta,
    metaAndAssetCtxs: (v) => market.metaAndAssetCtxs(v),
    predictedFundings: (v) => market.predictedFundings(v),
    allMids: (v) => market.allMids(v),
    l2Book: (v, body) => (typeof body.coin === "string" ? market.l2Book(body.coin, v) : undefined),
  };
  const connections = new Set<Connection>();
  let awaitingFirstSubscribe = options.startOnFirstSubscribe === true;
  const exchange = createStandInExchange(
    source,
    recorded.metaAndAssetCtxs[0] as Parameters<typeof createStandInExchange>[1],
    options.exchange,
  );
  // The account channels (userEvents, orderUpdates) of /ws, and the funding clock: user-stream.ts, hourly-funding.ts.
  const userHub = createUserStreamHub<Connection>(
    exchange,
    () => source.virtualNowMs(now()),
    (conn, text) => {
      if (now() >= conn.silentUntilMs) sendTo(conn, text);
    },
  );
  const funding =
    options.hourlyFunding === false
      ? undefined
      : createHourlyFunding(exchange, recordedFundingRates(recorded.metaAndAssetCtxs as Parameters<typeof recordedFundingRates>[0]));

  function answerInfo(body: Record<string, unknown>, broken: boolean): [number, unknown] {
    const type = String(body.type);
    if (type === "candleSnapshot") {
      const req = body.req as { coin?: unknown; interval?: unknown; startTime?: unknown; endTime?: unknown } | undefined;
      if (!req || typeof req.coin !== "string" || req.interval !== "1m" || typeof req.startTime !== "number") {
        return [422, "Failed to deserialize the JSON body into the target type"];
      }
      const endTime = typeof req.endTime === "number" ? req.endTime : undefined;
      lastSnapshotStart[req.coin] = req.startTime;
      return [200, source.snapshot(req.coin, req.startTime, endTime, source.virtualNowMs(now()))];
    }
    const answer = answers[type]?.(source.virtualNowMs(now()), body);
    if (answer === undefined) return [422, "Failed to deserialize the JSON body into the target type"];
    return [200, broken ? malformed(type, answer) : answer];
  }

  const http = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    try {
      if (req.method === "POST" && (path === "/info" || path === "/malformed/info")) {
        const ip = req.socket.remoteAddress ?? "?";
        const parsed = JSON.parse(await readBody(req)) as Record<string, unknown>;
        const type = String(parsed.type);
        requestsByType[type] = (requestsByType[type] ?? 0) + 1;
        if (now() < hangUntilMs) {
          hung.add(res); // never answered: the client's deadline has to end it
          res.on("close", () => hung.delete(res));
          return;
        }
        if (!weight.admit(ip, INFO_REQUEST_WEIGHT, now())) return send(res, 429, null);
        const [status, body] = (path === "/info" && exchange.answerInfo(parsed)) || answerInfo(parsed, path !== "/info");
        if (type === "candleSnapshot" && Array.isArray(body))
          weight.charge(ip, candleSnapshotWeight(body.length) - INFO_REQUEST_WEIGHT, now());
        return send(res, status, body);
      }
      if (req.method === "POST" && path === "/exchange") {
        const [status, body] = await exchange.handleExchange(JSON.parse(await readBody(req)));
        return send(res, status, body);
      }
      if (req.method === "POST" && path === "/control/agents") {
        const { user, agent, name } = JSON.parse(await readBody(req)) as { user: string; agent: string; name?: string };
        exchange.approveAgent(user, agent, name);
        return send(res, 200, { approved: agent, user });
      }
      if (req.method === "POST" && path === "/control/funding") {
        const { user, time, rates } = JSON.parse(await readBody(req)) as { user: string; time: number; rates: Record<string, string> };
        return send(res, 200, { settled: exchange.settleFunding(user, time, rates) });
      }
      if (req.method === "POST" && path === "/control/hang") {
        const { ms } = JSON.parse((await readBody(req)) || "{}") as { ms?: number };
        hangUntilMs = now() + (ms ?? 10_000);
        return send(res, 200, { hangUntilMs });
      }
      if (req.method === "POST" && path === "/control/drop") {
        const dropped = connections.size;
        for (const conn of connections) conn.socket.terminate();
        return send(res, 200, { dropped });
      }
      if (req.method === "POST" && path === "/control/silence") {
        const { ms } = JSON.parse((await readBody(req)) || "{}") as { ms?: number };
        const silentUntilMs = now() + (ms ?? 10_000);
        for (const conn of connections) conn.silentUntilMs = silentUntilMs;
        return send(res, 200, { silenced: connections.size, silentUntilMs });
      }
      if (req.method === "POST" && path === "/control/inject") {
        const { frames } = JSON.parse(await readBody(req)) as { frames: string[] };
        for (const conn of connections) for (const frame of frames) sendTo(conn, frame);
        return send(res, 200, { connections: connections.size, frames: frames.length });
      }
      if (req.method === "GET" && path === "/control/state") {
        return send(res, 200, {
          speed: source.speed,
          historyMinutes: source.historyMinutes,
          anchorMinuteMs: source.anchorMinuteMs,
          virtualNowMs: source.virtualNowMs(now()),
          shiftMs: Object.fromEntries(source.coins.map((c) => [c, source.shiftMs(c)])),
          connections: connections.size,
          subscriptions: [...connections].reduce((n, c) => n + c.subs.size, 0),
          weight: {
            limit: weight.limit,
            windowMs: weight.windowMs,
            peakInWindow: weight.peak,
            total: weight.total,
            rejected429: weight.rejected,
          },
          requestsByType,
          lastSnapshotStart,
          hungRequests: hung.size,
          userSubscriptions: userHub.count(),
          fundingSettlements: funding?.settlements ?? null,
        });
      }
      send(res, 404, { error: `no route ${req.method} ${path}` });
    } catch (error) {
      send(res, 400, { error: String(error) });
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  http.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== "/ws") return socket.destroy();
    const ip = req.socket.remoteAddress ?? "?";
    const open = [...connections].filter((c) => c.ip === ip).length;
    if (open >= maxConnections || !newConnections.admit(ip, 1, now())) {
      socket.end("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, ip));
  });

  function sendTo(conn: Connection, text: string): void {
    conn.lastSentMs = now();
    conn.socket.send(text);
  }

  function onConnection(socket: WebSocket, ip: string): void {
    const conn: Connection = { socket, ip, subs: new Map(), lastSentMs: now(), silentUntilMs: 0 };
    connections.add(conn);
    sendTo(conn, "Websocket connection established.");
    const gone = () => {
      connections.delete(conn);
      userHub.drop(conn);
    };
    socket.on("close", gone);
    socket.on("error", gone);
    socket.on("message", (raw) => {
      if (now() < conn.silentUntilMs) return;
      onMessage(conn, raw.toString());
    });
  }

  function onMessage(conn: Connection, text: string): void {
    let msg: { method?: unknown; subscription?: { type?: unknown; coin?: unknown; interval?: unknown } };
    try {
      msg = JSON.parse(text);
    } catch {
      sendTo(conn, JSON.stringify({ channel: "error", data: `Invalid JSON: ${text.slice(0, 100)}` }));
      return;
    }
    if (msg.method === "ping") {
      sendTo(conn, JSON.stringify({ channel: "pong" }));
      return;
    }
    if (userHub.handle(conn, msg as Parameters<typeof userHub.handle>[1])) return;
    const sub = msg.subscription;
    const valid = sub?.type === "candle" && typeof sub.coin === "string" && sub.interval === "1m";
    if ((msg.method !== "subscribe" && msg.method !== "unsubscribe") || !valid) {
      sendTo(conn, JSON.stringify({ channel: "error", data: `Invalid subscription ${text.slice(0, 200)}` }));
      return;
    }
    const coin = sub.coin as string;
    if (msg.method === "subscribe") {
      const ipSubs = [...connections].filter((c) => c.ip === conn.ip).reduce((n, c) => n + c.subs.size, 0);
      if (ipSubs >= maxSubs && !conn.subs.has(coin)) {
        sendTo(conn, JSON.stringify({ channel: "error", data: `Cannot track more than ${maxSubs} total subscriptions` }));
        return;
      }
      if (awaitingFirstSubscribe) {
        awaitingFirstSubscribe = false;
        source.restart(now());
      }
      // The current (forming) candle goes out on the next tick, as the exchange sends it on subscribe.
      conn.subs.set(coin, { lastIndex: source.indexAt(source.virtualNowMs(now())) - 1, pushes: 0 });
    } else {
      conn.subs.delete(coin);
    }
    sendTo(conn, JSON.stringify({ channel: "subscriptionResponse", data: { method: msg.method, subscription: sub } }));
  }

  function pushCandle(conn: Connection, coin: string, i: number): void {
    const candle = source.candle(coin, i);
    if (candle) sendTo(conn, JSON.stringify({ channel: "candle", data: candle }));
  }

  const timer = setInterval(() => {
    const realNow = now();
    funding?.tick(source.virtualNowMs(realNow));
    for (const conn of connections) {
      if (realNow - conn.lastSentMs > idleTimeoutMs) {
        conn.socket.terminate();
        continue;
      }
      if (realNow < conn.silentUntilMs) continue;
      const vNow = source.virtualNowMs(realNow);
      const current = source.indexAt(vNow);
      const fraction = (vNow - source.openTimeOf(current)) / MINUTE_MS;
      for (const [coin, sub] of conn.subs) {
        const last = Math.min(current, source.length(coin) - 1);
        if (last > sub.lastIndex) {
          // Minutes passed since the last tick: each goes out with its final values, then the forming one.
          for (let i = sub.lastIndex + 1; i <= last; i++) pushCandle(conn, coin, i);
          sub.lastIndex = last;
          sub.pushes = 1;
        } else if (
          last === current &&
          source.candle(coin, last) &&
          sub.pushes < pushesPerMinute &&
          fraction >= sub.pushes / pushesPerMinute
        ) {
          pushCandle(conn, coin, last);
          sub.pushes += 1;
        }
      }
    }
  }, options.tickMs ?? 25);

  await new Promise<void>((resolve) => http.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    infoUrl: `${baseUrl}/info`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    source,
    exchange,
    market,
    async stop() {
      clearInterval(timer);
      for (const res of hung) res.destroy();
      for (const conn of connections) conn.socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

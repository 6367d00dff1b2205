/**
 * The demo clone `npm start` seeds and `npm run demo:check` watches, through the public API as a user
 * would (so it exercises the same validation and gates). Idempotent: an existing demo clone, pipeline,
 * trading switch or active sandbox is reused, never duplicated.
 *
 * Demo: user `demo`, clone "Demo BTC/ETH" on `rules-v1` (local, no network), a pipeline over BTC and ETH
 * with the indicator blocks rules-v1 reads (1m close, RSI, Bollinger, EMA, MACD), BTC funding, one
 * Polymarket event and one DefiLlama chain TVL block, a 60 s cadence, trading on, and a 10,000 USD sandbox.
 */
import { DEMO_GRAPH } from "./demo-graph";
import { mintToken } from "./local-auth";

export const DEMO_USER = "demo";
export const DEMO_CLONE_NAME = "Demo BTC/ETH";
export const DEMO_BALANCE_USD = 10_000;

type Json = Record<string, unknown>;

export interface DemoApi {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Json }>;
}

/** An API client on `baseUrl` for `sub` with `role` (a locally minted token). */
export async function apiAs(baseUrl: string, secret: string, sub: string, role: "user" | "admin" = "user"): Promise<DemoApi> {
  const token = await mintToken(sub, role, 24 * 3600, secret);
  return {
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
    },
  };
}

/** An API client for the demo user on `baseUrl`. */
export const demoApi = (baseUrl: string, secret: string): Promise<DemoApi> => apiAs(baseUrl, secret, DEMO_USER);

export const must = (what: string, res: { status: number; body: Json }, ok: number[]) => {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
};

/** The id of the caller's clone named `name` (default: the demo clone), or undefined when it does not exist yet. */
export async function findDemoClone(api: DemoApi, name = DEMO_CLONE_NAME): Promise<string | undefined> {
  const list = must("list clones", await api.call("GET", "/clones"), [200]) as { clones?: Array<{ id: string; name: string }> };
  return list.clones?.find((c) => c.name === name)?.id;
}

/** The caller's clone `name` on rules-v1 with `graph` saved and trading on (each step only when missing). */
export async function ensureDemoClone(api: DemoApi, name: string, graph: unknown, log: (line: string) => void): Promise<string> {
  let cloneId = await findDemoClone(api, name);
  if (!cloneId) {
    const created = must(`create clone "${name}"`, await api.call("POST", "/clones", { name, modelId: "rules-v1" }), [201]);
    cloneId = String(created.id);
    log(`demo: created clone "${name}" ${cloneId}`);
  }
  const pipeline = must(`read pipeline of "${name}"`, await api.call("GET", `/clones/${cloneId}/pipeline`), [200]) as { version: number };
  if (pipeline.version === 0) {
    must(`save pipeline of "${name}"`, await api.call("PUT", `/clones/${cloneId}/pipeline`, { version: 0, graph, layout: {} }), [200]);
    log(`demo: saved the pipeline of "${name}"`);
  }
  must(`enable trading of "${name}"`, await api.call("PATCH", `/clones/${cloneId}`, { tradingEnabled: true }), [200]);
  return cloneId;
}

/** The demo's active sandbox account id, if any. */
export async function findDemoAccount(api: DemoApi, cloneId: string): Promise<string | undefined> {
  const list = must("list prop accounts", await api.call("GET", `/clones/${cloneId}/prop-accounts`), [200]) as {
    accounts?: Array<{ accountId: string; kind: string; status: string }>;
  };
  return list.accounts?.find((a) => a.kind === "sandbox" && a.status === "active")?.accountId;
}

/** Seeds the demo (idempotently) and returns its clone and account ids. */
export async function seedDemo(api: DemoApi, log: (line: string) => void): Promise<{ cloneId: string; accountId: string }> {
  const cloneId = await ensureDemoClone(api, DEMO_CLONE_NAME, DEMO_GRAPH, log);
  let accountId = await findDemoAccount(api, cloneId);
  if (!accountId) {
    const opened = must(
      "open demo sandbox",
      await api.call("POST", `/clones/${cloneId}/prop-accounts`, {
        kind: "sandbox",
        startingBalanceUsd: DEMO_BALANCE_USD,
        durationHours: 24 * 7,
      }),
      [201],
    );
    accountId = String(opened.accountId);
    log(`demo: opened a ${DEMO_BALANCE_USD} USD sandbox ${accountId}`);
  }
  return { cloneId, accountId };
}

/** The first fill of the demo account, if there is one yet. */
export async function firstDemoFill(api: DemoApi, accountId: string): Promise<Json | undefined> {
  const page = must("demo fills", await api.call("GET", `/prop-accounts/${accountId}/fills?limit=1`), [200]) as { items?: Json[] };
  return page.items?.[0];
}

/**
 * The fuzz target (issue 14): fast-check over every operation of both OpenAPI documents and the page
 * POSTs, with requests built from each route's declared request schema (path params, query parameters,
 * JSON body properties) filled with valid, boundary and hostile values, under random content types and
 * identities (admin reaches the deepest code). Asserts no 5xx, and the error envelope on every 4xx of
 * the API (pages answer their own HTML). A few hundred cases, seeded so a failure replays.
 */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp, PAGES } from "../../src/app";
import { openApiDocuments } from "../../src/http/openapi";
import { callApi, isEnvelope } from "../support/api";
import { tokenFor } from "../support/auth";
import { seedRecordedRegistry } from "../support/registry-seed";

const OWNER = "fuzz-owner";
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  $ref?: string;
}

interface Target {
  method: string;
  path: string;
  params: string[];
  query: Array<{ name: string; schema: JsonSchema }>;
  body?: JsonSchema;
  page: boolean;
}

const docs = openApiDocuments(createApp());
const components = { ...(docs.client.components?.schemas ?? {}), ...(docs.operator.components?.schemas ?? {}) } as Record<
  string,
  JsonSchema
>;
const resolve = (s: JsonSchema | undefined): JsonSchema | undefined => (s?.$ref ? components[s.$ref.split("/").at(-1) as string] : s);

const TARGETS: Target[] = [
  ...[docs.client, docs.operator].flatMap((doc) =>
    Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => {
        const op = (
          item as Record<
            string,
            {
              parameters?: Array<{ in: string; name: string; schema: JsonSchema }>;
              requestBody?: { content?: Record<string, { schema: JsonSchema }> };
            }
          >
        )[m];
        return {
          method: m.toUpperCase(),
          path,
          params: (op?.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
          query: (op?.parameters ?? []).filter((p) => p.in === "query").map((p) => ({ name: p.name, schema: p.schema })),
          body: resolve(op?.requestBody?.content?.["application/json"]?.schema),
          page: false,
        };
      }),
    ),
  ),
  ...PAGES.filter((p) => p.method === "POST").map((p) => ({ method: p.method, path: p.path, params: [], query: [], page: true })),
];

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom("", " ", "..", "../../etc", "%00", "null", "-1", "1e309", "NaN", "<script>", "'; DROP TABLE clones;--", "\u0000", "ЁЖ😀"),
  fc.string({ minLength: 200, maxLength: 3000 }),
);

/** A value for a schema: often valid-looking (enums, numbers, shapes), often not. */
function valueFor(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const wild = fc.jsonValue({ maxDepth: 2 });
  if (!s || depth > 3) return wild;
  if (s.enum) return fc.oneof(fc.constantFrom(...s.enum), wild);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "object" && s.properties) {
    const props = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, valueFor(v, depth + 1)]));
    return fc.oneof({ weight: 3, arbitrary: fc.record(props, { requiredKeys: [] }) }, { weight: 1, arbitrary: wild });
  }
  if (type === "array") return fc.oneof(fc.array(valueFor(s.items, depth + 1), { maxLength: 5 }), wild);
  if (type === "integer" || type === "number")
    return fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 53, Number.MAX_SAFE_INTEGER), wild);
  if (type === "boolean") return fc.oneof(fc.boolean(), wild);
  return fc.oneof(hostileString, wild);
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "multipart/form-data",
  "multipart/form-data; boundary=nope",
  "application/x-www-form-urlencoded",
  undefined,
] as const;

let ownedCloneId = "";
/** A sandbox prop account of the owned clone, so the trading routes are fuzzed past their 404. */
let ownedAccountId = "";

interface FuzzRequest {
  target: Target;
  params: unknown[];
  query: Record<string, unknown>;
  body: string | undefined;
  contentType: string | undefined;
  identity: "admin" | "owner" | "other" | "none";
}

function requestFor(target: Target): fc.Arbitrary<FuzzRequest> {
  const paramValue = fc.oneof(
    fc.constant("__owned__"),
    fc.constantFrom("ops.prune-job-runs", "polymarket", "defillama", OWNER, "BTC"),
    hostileString,
  );
  const params = fc.tuple(...target.params.map(() => paramValue));
  const query = fc.record(Object.fromEntries(target.query.map((q) => [q.name, valueFor(q.schema)])), { requiredKeys: [] });
  const body = fc.oneof(
    { weight: 4, arbitrary: valueFor(target.body).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc.record({
    target: fc.constant(target),
    params,
    query,
    body: target.method === "GET" ? fc.constant(undefined) : body,
    contentType: fc.constantFrom(...CONTENT_TYPES),
    identity: fc.constantFrom("admin", "owner", "other", "none"),
  });
}

async function send(req: FuzzRequest) {
  const t = req.target;
  let path = t.path;
  t.params.forEach((name, i) => {
    const raw = req.params[i] as string;
    const owned = name === "accountId" ? ownedAccountId : ownedCloneId;
    path = path.replace(`{${name}}`, encodeURIComponent(raw === "__owned__" ? owned : raw));
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) search.set(k, typeof v === "string" ? v : JSON.stringify(v));
  const headers: Record<string, string> = {};
  if (req.contentType) headers["content-type"] = req.contentType;
  const role = req.identity === "admin" ? "admin" : "user";
  const sub = req.identity === "owner" ? OWNER : req.identity === "other" ? "fuzz-other" : "fuzz-admin";
  if (req.identity !== "none") {
    const token = await tokenFor({ sub, role });
    if (t.page && t.path.endsWith("/session")) {
      headers["content-type"] = req.contentType ?? "application/x-www-form-urlencoded";
      return SELF.fetch(`https://api.test${path}`, { method: t.method, headers, body: req.body ?? `token=${token}`, redirect: "manual" });
    }
    headers.authorization = `Bearer ${token}`;
  }
  const qs = search.size ? `?${search}` : "";
  return SELF.fetch(`https://api.test${path}${qs}`, { method: t.method, headers, body: req.body, redirect: "manual" });
}

beforeAll(async () => {
  await seedRecordedRegistry();
  await callApi(
    "root",
    "PUT",
    `/admin/users/${OWNER}/entitlements`,
    { maxActiveAssets: 20, maxModelStrength: 2, maxClones: 1000 },
    "admin",
  );
  const created = await callApi(OWNER, "POST", "/clones", { name: "fuzzed", modelId: "gpt-5" });
  ownedCloneId = created.body.id as string;
  const pipeline = { version: 0, graph: { nodes: [], edges: [] }, layout: {} };
  expect((await callApi(OWNER, "PUT", `/clones/${ownedCloneId}/pipeline`, pipeline)).status).toBe(200);
  const opened = await callApi(OWNER, "POST", `/clones/${ownedCloneId}/prop-accounts`, { kind: "sandbox" });
  expect(opened.status).toBe(201);
  ownedAccountId = opened.body.accountId as string;
});

describe("fuzz: every route's request schema", () => {
  it("covers every operation and the page POSTs", () => {
    expect(TARGETS.filter((t) => !t.page).length).toBeGreaterThanOrEqual(21);
    expect(TARGETS.filter((t) => t.page).map((t) => t.path)).toEqual([
      "/admin/ingestion/session",
      "/admin/ingestion/sign-out",
      "/admin/arena/session",
      "/admin/arena/sign-out",
      "/admin/alerts/session",
      "/admin/alerts/sign-out",
    ]);
  });

  it("answers 300 generated requests with no 5xx and an envelope on every API 4xx", async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TARGETS).chain(requestFor), async (req) => {
        const res = await send(req);
        const text = await res.text();
        const where = `${req.target.method} ${req.target.path} as ${req.identity} (${req.contentType}) -> ${res.status}`;
        if (res.status >= 500) failures.push(`${where}: ${text.slice(0, 200)}`);
        if (res.status >= 400 && !req.target.page) {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          if (!isEnvelope(body)) failures.push(`${where}: not an envelope: ${text.slice(0, 200)}`);
        }
        return true;
      }),
      { numRuns: 300, seed: 1414 },
    );
    expect(failures).toEqual([]);
  });
});

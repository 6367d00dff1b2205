/**
 * Live-trading routes (the personal-wallet boundary). Creator routes are owner-scoped: link the proven
 * wallet's Hyperliquid account, create an agent (answers its ADDRESS and the approveAgent payload to
 * sign with the creator's wallet, never the key), confirm the approval from the exchange, opt a clone
 * in, open the live account with caps, change caps, pause/resume, read it. Admin routes: the kill switch,
 * submit an action, reconcile now, unfreeze. Agents can place and cancel orders only: they cannot
 * withdraw or transfer funds (the exchange accepts those only from the account's own wallet).
 * Thin: parse, call live.service.ts / live-orders.service.ts / live-reconcile.service.ts, map LiveError.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { openDb } from "../../../db/client";
import { declareRoute } from "../../../http/access";
import type { AppEnv } from "../../../http/app-env";
import { assertOwner } from "../../../http/auth";
import { ApiError, errorResponses, notFound } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { findClone } from "../../strategy";
import { DecisionActionSchema } from "../decision-action.model";
import { LiveCapsSchema } from "./live.model";
import {
  agentView,
  confirmApproval,
  createAgent,
  findLiveAccount,
  kill,
  linkExchangeAccount,
  openLiveAccount,
  optInClone,
  type ProvenWallet,
  readCaps,
  setCaps,
  setPaused,
  unfreezeLiveAccount,
} from "./live.service";
import type { LiveAccountRow } from "./live.tables";
import { type LiveDeps, LiveError } from "./live-exchange.service";
import { submitLiveAction } from "./live-orders.service";
import { reconcileLiveAccount } from "./live-reconcile.service";

const TAG = ["live-trading"];
const OWNER_ONLY = { role: "user", owner: true } as const;
const ADMIN = { role: "admin" } as const;
/** Any user, acting on themself (no resource of someone else is addressed). */
const SELF_ONLY = { role: "user" } as const;
const NO_WITHDRAW = "Agents cannot withdraw or transfer funds: the exchange accepts those only from the account's own wallet.";

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address");
const Id = z.string().min(1).max(128);
const IdParams = z.object({ id: Id });

const ExchangeAccountSchema = z
  .object({ id: z.string(), ownerId: z.string(), userAddress: z.string(), createdAtMs: z.number().int() })
  .openapi("LiveExchangeAccount");
const AgentSchema = z
  .object({
    agentId: z.string(),
    exchangeAccountId: z.string(),
    agentAddress: z.string(),
    status: z.enum(["pending", "approved", "revoked"]),
    createdAtMs: z.number().int(),
    approvedAtMs: z.number().int().nullable(),
  })
  .openapi("LiveAgent");
const NewAgentSchema = AgentSchema.extend({
  approveAgent: z.object({
    action: z.record(z.string(), z.unknown()),
    typedData: z.record(z.string(), z.unknown()),
    postTo: z.string(),
    body: z.record(z.string(), z.unknown()),
  }),
}).openapi("LiveNewAgent");
const LiveAccountSchema = z
  .object({
    id: z.string(),
    cloneId: z.string(),
    ownerId: z.string(),
    exchangeAccountId: z.string(),
    agentKeyId: z.string(),
    shadowAccountId: z.string(),
    status: z.enum(["active", "paused", "frozen"]),
    freezeReason: z.string().nullable(),
    flagged: z.boolean(),
    createdAtMs: z.number().int(),
    updatedAtMs: z.number().int(),
    caps: LiveCapsSchema.optional(),
  })
  .openapi("LiveAccount");
const LiveOutcomeSchema = z.object({ status: z.string(), actionId: z.string() }).catchall(z.unknown()).openapi("LiveOutcome");
const LooseObject = z.object({}).catchall(z.unknown());

/** Maps a live use case's expected failures to the error envelope. */
async function live<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LiveError) throw new ApiError(error.code, error.message);
    throw error;
  }
}

const depsOf = (c: Context<AppEnv>): LiveDeps => ({ env: c.env, clock: c.get("deps").clock, ids: c.get("deps").ids });
/** The caller's owner scope: admins act on any row, users only on theirs. */
const scope = (c: Context<AppEnv>) => (c.get("auth").role === "admin" ? null : c.get("auth").sub);
const view = async (env: Env, r: LiveAccountRow) => ({ ...r, caps: await readCaps(env, r.id) });

const route = <P extends string, M extends "get" | "post" | "put">(
  method: M,
  path: P,
  summary: string,
  access: typeof OWNER_ONLY | typeof ADMIN | typeof SELF_ONLY,
  status: 200 | 201,
  schema: z.ZodType,
  extra: { params?: z.ZodObject; body?: z.ZodType } = {},
) =>
  declareRoute({
    access,
    method,
    path,
    tags: TAG,
    summary,
    description: NO_WITHDRAW,
    request: {
      ...(extra.params ? { params: extra.params } : {}),
      ...(extra.body ? { body: { content: { "application/json": { schema: extra.body } }, required: true } } : {}),
    },
    responses: {
      [status]: jsonResponse(schema, summary),
      ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict", "upstream_unavailable"),
    },
  });

const linkRoute = route(
  "post",
  "/live/exchange-accounts",
  "Link your Hyperliquid account (the wallet proven in the lifecycle)",
  SELF_ONLY,
  201,
  ExchangeAccountSchema,
  {
    body: z.object({ userAddress: Address }),
  },
);
const agentRoute = route(
  "post",
  "/live/exchange-accounts/{id}/agents",
  "Create an agent key: answers its address and the approveAgent payload to sign with your wallet (never the key)",
  OWNER_ONLY,
  201,
  NewAgentSchema,
  { params: IdParams },
);
const confirmRoute = route(
  "post",
  "/live/agents/{id}/confirm",
  "Confirm the approval from the exchange's extraAgents",
  OWNER_ONLY,
  200,
  AgentSchema,
  {
    params: IdParams,
  },
);
const optInRoute = route(
  "put",
  "/clones/{id}/live-opt-in",
  "Opt a clone in to (or out of) live trading explicitly",
  OWNER_ONLY,
  200,
  LooseObject,
  {
    params: IdParams,
    body: z.object({ optIn: z.boolean() }),
  },
);
const openRoute = route(
  "post",
  "/live/accounts",
  "Open the live account of an opted-in clone on an approved agent, with hard caps",
  OWNER_ONLY,
  201,
  LiveAccountSchema,
  {
    body: z.object({ cloneId: Id, agentId: Id, caps: LiveCapsSchema }),
  },
);
const getRoute = route("get", "/live/accounts/{id}", "A live account with its caps", OWNER_ONLY, 200, LiveAccountSchema, {
  params: IdParams,
});
const capsRoute = route("put", "/live/accounts/{id}/caps", "Set the hard caps", OWNER_ONLY, 200, LiveCapsSchema, {
  params: IdParams,
  body: LiveCapsSchema,
});
const pauseRoute = route(
  "post",
  "/live/accounts/{id}/pause",
  "Pause: every live order is refused until resumed",
  OWNER_ONLY,
  200,
  LiveAccountSchema,
  {
    params: IdParams,
  },
);
const resumeRoute = route("post", "/live/accounts/{id}/resume", "Resume a paused live account", OWNER_ONLY, 200, LiveAccountSchema, {
  params: IdParams,
});
const killRoute = route(
  "post",
  "/admin/live/kill",
  "Kill switch: cancel resting orders, arm scheduleCancel and freeze every live account (on), or disarm (off)",
  ADMIN,
  200,
  LooseObject,
  { body: z.object({ on: z.boolean(), reason: z.string().min(1).max(500) }) },
);
const actionRoute = route(
  "post",
  "/admin/live/accounts/{id}/actions",
  "Submit a DecisionAction to a live account (idempotent on actionId)",
  ADMIN,
  200,
  LiveOutcomeSchema,
  {
    params: IdParams,
    body: DecisionActionSchema,
  },
);
const reconcileRoute = route(
  "post",
  "/admin/live/accounts/{id}/reconcile",
  "Reconcile with the exchange now (a divergence freezes and flags)",
  ADMIN,
  200,
  LooseObject,
  {
    params: IdParams,
  },
);
const unfreezeRoute = route("post", "/admin/live/accounts/{id}/unfreeze", "Unfreeze and clear the flag", ADMIN, 200, LiveAccountSchema, {
  params: IdParams,
});

const idOf = (c: Context<AppEnv>) => c.req.param("id") as string;
// biome-ignore lint/suspicious/noExplicitAny: the validated body of the route at hand
const bodyOf = (c: Context<AppEnv>) => (c.req as any).valid("json");

/** The live routes; `provenWallet` is lifecycle's wallet reader, passed in by the composition root. */
export const liveRoutes = (provenWallet: ProvenWallet) =>
  createRouter()
    .openapi(linkRoute, async (c) =>
      c.json(await live(() => linkExchangeAccount(depsOf(c), provenWallet, c.get("auth").sub, bodyOf(c).userAddress)), 201),
    )
    .openapi(agentRoute, async (c) => c.json(await live(() => createAgent(depsOf(c), scope(c), idOf(c))), 201))
    .openapi(confirmRoute, async (c) => c.json(await live(() => confirmApproval(depsOf(c), scope(c), idOf(c))), 200))
    .openapi(optInRoute, async (c) => {
      const clone = await findClone(openDb(c.env.DB), idOf(c));
      if (!clone) throw notFound("clone");
      assertOwner(c.get("auth"), clone.ownerId, "clone");
      return c.json(await live(() => optInClone(depsOf(c), clone.ownerId, clone.id, bodyOf(c).optIn)), 200);
    })
    .openapi(openRoute, async (c) => {
      const body = bodyOf(c);
      const clone = await findClone(openDb(c.env.DB), body.cloneId);
      if (!clone) throw notFound("clone");
      assertOwner(c.get("auth"), clone.ownerId, "clone");
      const row = await live(() =>
        openLiveAccount(depsOf(c), { ownerId: clone.ownerId, cloneId: clone.id, agentId: body.agentId, caps: body.caps }),
      );
      return c.json(await view(c.env, row), 201);
    })
    .openapi(getRoute, async (c) => c.json(await live(async () => view(c.env, await findLiveAccount(c.env, idOf(c), scope(c)))), 200))
    .openapi(capsRoute, async (c) => c.json(await live(() => setCaps(depsOf(c), idOf(c), scope(c), bodyOf(c))), 200))
    .openapi(pauseRoute, async (c) => c.json(await live(async () => view(c.env, await setPaused(depsOf(c), idOf(c), scope(c), true))), 200))
    .openapi(resumeRoute, async (c) =>
      c.json(await live(async () => view(c.env, await setPaused(depsOf(c), idOf(c), scope(c), false))), 200),
    )
    .openapi(killRoute, async (c) => c.json(await live(() => kill(depsOf(c), c.get("auth").sub, bodyOf(c).reason, bodyOf(c).on)), 200))
    .openapi(actionRoute, async (c) => c.json(await live(() => submitLiveAction(depsOf(c), idOf(c), bodyOf(c))), 200))
    .openapi(reconcileRoute, async (c) => c.json(await live(() => reconcileLiveAccount(depsOf(c), idOf(c))), 200))
    .openapi(unfreezeRoute, async (c) => c.json(await live(async () => view(c.env, await unfreezeLiveAccount(depsOf(c), idOf(c)))), 200));

export { agentView };

/**
 * Ticket routes (client): buy a ticket on an entrant of an accumulating race, paid from the Arena
 * balance or by a USDC transaction (`Idempotency-Key` header required), and list one's own tickets.
 */
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../../http/access";
import { ApiError, errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { TxHashSchema } from "../../chain";
import { chainOf, dbOf, ticketError } from "../arena.http";
import { TicketStateSchema } from "./ticket.model";
import { buyTicket, ticketsOf } from "./ticket.service";
import type { TicketRow } from "./ticket.tables";

const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } }, required: true });

export const TicketSchema = z
  .object({
    id: z.string(),
    raceId: z.string(),
    entrantId: z.string(),
    userId: z.string(),
    amountMicroUsd: z.number().int(),
    status: TicketStateSchema,
    payWith: z.enum(["balance", "tx"]),
    txHash: z.string().nullable(),
    purchasedAtMs: z.number().int(),
    confirmedAtMs: z.number().int().nullable(),
    closedReason: z
      .string()
      .nullable()
      .openapi({ description: "Why refunded or expired (scratched, cancelled, late_payment, pending_ttl, ...)" }),
    closedAtMs: z.number().int().nullable(),
  })
  .openapi("ArenaTicket");

const view = (t: TicketRow): z.infer<typeof TicketSchema> => ({
  id: t.id,
  raceId: t.raceId,
  entrantId: t.entrantId,
  userId: t.userId,
  amountMicroUsd: t.amountMicroUsd,
  status: t.status,
  payWith: t.payWith,
  txHash: t.txHash,
  purchasedAtMs: t.purchasedAtMs,
  confirmedAtMs: t.confirmedAtMs,
  closedReason: t.closedReason,
  closedAtMs: t.closedAtMs,
});

const BuyTicketSchema = z
  .object({
    entrantId: z.string().min(1).max(120),
    amountMicroUsd: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    payWith: z.union([
      z.literal("balance"),
      z.object({ txHash: TxHashSchema.openapi({ type: "string", example: `0x${"ab".repeat(32)}` }) }),
    ]),
  })
  .openapi("BuyTicket");

const buyRoute = declareRoute({
  access: { role: "user" },
  method: "post",
  path: "/races/{raceId}/tickets",
  tags: ["arena"],
  summary: "Buy a ticket on an entrant while the race accumulates (balance: confirmed at once; txHash: pending until verified)",
  request: {
    params: z.object({ raceId: z.string().min(1).max(80) }),
    headers: z.object({
      "idempotency-key": z
        .string()
        .min(1)
        .max(128)
        .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces"),
    }),
    body: json(BuyTicketSchema),
  },
  responses: {
    201: jsonResponse(TicketSchema, "The ticket (the same one for a repeated Idempotency-Key)"),
    ...errorResponses("bad_request", "validation_failed", "unauthorized", "not_found", "conflict", "unprocessable", "upstream_unavailable"),
  },
});

const mineRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/me/tickets",
  tags: ["arena"],
  summary: "The caller's tickets, newest first (optionally of one race)",
  request: {
    query: z.object({ raceId: z.string().min(1).max(80).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
  },
  responses: {
    200: jsonResponse(z.object({ tickets: z.array(TicketSchema) }), "Tickets"),
    ...errorResponses("validation_failed", "unauthorized"),
  },
});

export const ticketRoutes = createRouter()
  .openapi(buyRoute, async (c) => {
    const key = c.req.valid("header")["idempotency-key"];
    if (!key) throw new ApiError("bad_request", "the Idempotency-Key header is required", { code: "idempotency_key_required" });
    const body = c.req.valid("json");
    const payWith = body.payWith === "balance" ? ("balance" as const) : { txHash: body.payWith.txHash as `0x${string}` };
    const res = await buyTicket(dbOf(c), c.get("deps"), chainOf(c), c.get("auth").sub, key, {
      raceId: c.req.valid("param").raceId,
      entrantId: body.entrantId,
      amountMicroUsd: body.amountMicroUsd,
      payWith,
    });
    if (!res.ok) throw ticketError(res.error);
    return c.json(view(res.value), 201);
  })
  .openapi(mineRoute, async (c) => {
    const q = c.req.valid("query");
    const tickets = await ticketsOf(dbOf(c), c.get("auth").sub, { raceId: q.raceId, limit: q.limit });
    return c.json({ tickets: tickets.map(view) }, 200);
  });

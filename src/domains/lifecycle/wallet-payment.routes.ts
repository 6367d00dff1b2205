/**
 * Wallet, audition fee and credit routes (client API). All self-scoped (`/me/...`) except
 * `GET /payments/{paymentId}`, which answers 404 to anyone but the payer or an admin.
 */
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../http/access";
import { assertOwner } from "../../http/auth";
import { errorResponses, notFound } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import { TxHashSchema } from "../chain";
import { feeConfig } from "./lifecycle.config";
import { dbOf, paymentError, settingsOf, walletError } from "./lifecycle.http";
import { CreditsSchema, creditsOf } from "./payments/credit.service";
import { PaymentSchema } from "./payments/payment.model";
import { findPayment, submitFeePayment } from "./payments/payment.service";
import { LinkWalletSchema, WalletNonceRequestSchema, WalletNonceSchema, WalletSchema } from "./wallets/wallet.model";
import { issueNonce, linkWallet, walletOf } from "./wallets/wallet.service";

const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } }, required: true });

const nonceRoute = declareRoute({
  access: { role: "user" },
  method: "post",
  path: "/me/wallet/nonce",
  tags: ["lifecycle"],
  summary: "Issue a single-use, expiring EIP-4361 (Sign-In with Ethereum) message for the address, to sign with personal_sign",
  request: { body: json(WalletNonceRequestSchema) },
  responses: {
    201: jsonResponse(WalletNonceSchema, "The nonce and the exact EIP-4361 message to sign"),
    ...errorResponses("validation_failed", "unauthorized"),
  },
});

const linkRoute = declareRoute({
  access: { role: "user" },
  method: "put",
  path: "/me/wallet",
  tags: ["lifecycle"],
  summary:
    "Link the wallet by its signature of an issued EIP-4361 message (EOA, or a contract wallet via EIP-1271/6492; one wallet per user, one user per wallet)",
  request: { body: json(LinkWalletSchema) },
  responses: {
    200: jsonResponse(WalletSchema, "The linked wallet"),
    ...errorResponses("validation_failed", "unauthorized", "conflict", "unprocessable"),
  },
});

const getWalletRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/me/wallet",
  tags: ["lifecycle"],
  summary: "The caller's linked wallet",
  responses: { 200: jsonResponse(WalletSchema, "The wallet"), ...errorResponses("unauthorized", "not_found") },
});

const submitFeeRoute = declareRoute({
  access: { role: "user" },
  method: "post",
  path: "/payments/audition-fee",
  tags: ["lifecycle"],
  summary: "Submit the transaction hash of an audition fee transfer; verified on chain (pending until confirmed)",
  request: {
    body: json(
      z.object({ txHash: TxHashSchema.openapi({ type: "string", example: `0x${"ab".repeat(32)}` }) }).openapi("SubmitAuditionFee"),
    ),
  },
  responses: {
    201: jsonResponse(PaymentSchema, "The recorded payment: verified, pending (not_confirmed) or rejected with its reason"),
    ...errorResponses("validation_failed", "unauthorized", "unprocessable", "upstream_unavailable"),
  },
});

const getPaymentRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/payments/{paymentId}",
  tags: ["lifecycle"],
  summary: "One payment (payer or admin)",
  request: { params: z.object({ paymentId: z.string().min(1).max(80) }) },
  responses: { 200: jsonResponse(PaymentSchema, "The payment"), ...errorResponses("unauthorized", "not_found") },
});

const creditsRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/me/credits",
  tags: ["lifecycle"],
  summary: "The caller's audition credits: available = grants − consumed + refunds, with the ledger",
  responses: { 200: jsonResponse(CreditsSchema, "Credits"), ...errorResponses("unauthorized") },
});

export const walletPaymentRoutes = createRouter()
  .openapi(nonceRoute, async (c) => {
    const { address } = c.req.valid("json");
    return c.json(await issueNonce(dbOf(c), c.get("deps"), settingsOf(c), c.get("auth").sub, address), 201);
  })
  .openapi(linkRoute, async (c) => {
    const body = c.req.valid("json");
    const linked = await linkWallet(dbOf(c), c.get("deps"), settingsOf(c), c.get("auth").sub, {
      message: body.message,
      signature: body.signature as `0x${string}`,
    });
    if (!linked.ok) throw walletError(linked.error);
    return c.json(linked.value, 200);
  })
  .openapi(getWalletRoute, async (c) => {
    const wallet = await walletOf(dbOf(c), c.get("auth").sub);
    if (!wallet) throw notFound("wallet");
    return c.json(wallet, 200);
  })
  .openapi(submitFeeRoute, async (c) => {
    const { txHash } = c.req.valid("json");
    const fee = feeConfig(settingsOf(c));
    const submitted = await submitFeePayment(dbOf(c), c.get("deps"), fee, c.get("auth").sub, txHash as `0x${string}`);
    if (!submitted.ok) throw paymentError(submitted.error);
    return c.json(submitted.value, 201);
  })
  .openapi(getPaymentRoute, async (c) => {
    const payment = await findPayment(dbOf(c), c.req.valid("param").paymentId);
    if (!payment) throw notFound("payment");
    assertOwner(c.get("auth"), payment.userId, "payment");
    return c.json(payment, 200);
  })
  .openapi(creditsRoute, async (c) => c.json(await creditsOf(dbOf(c), c.get("auth").sub), 200));

/**
 * Lifecycle fixtures built through the real routes: an eligible clone (valid pipeline over BTC and SOL
 * from the recorded registry, trading enabled), audition credits, and the explicit fake of the audition
 * port (the trading engine): `open` hands out `acct_<auditionId>` unless told to fail (or to crash the
 * caller before or after the account exists: a request dying mid-open); `result` answers what the test
 * set for the account, `undefined` (unknown) otherwise; `find` answers the accounts opened.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { err, ok } from "../../src/core/result";
import type { AccountResult, AuditionAccounts, OpenAuditionAccount } from "../../src/domains/lifecycle";
import { VALID_GRAPH } from "./graphs";
import type { lifecycleHarness } from "./lifecycle";

type Harness = ReturnType<typeof lifecycleHarness>;

export { VALID_GRAPH };

export class FakeAuditionAccounts implements AuditionAccounts {
  readonly opened: OpenAuditionAccount[] = [];
  readonly results = new Map<string, AccountResult>();
  failNextOpen = false;
  crashNextOpen: "before_account" | "after_account" | undefined;

  async open(input: OpenAuditionAccount) {
    if (this.failNextOpen) {
      this.failNextOpen = false;
      return err({ message: "engine refused (fake)" });
    }
    const crash = this.crashNextOpen;
    this.crashNextOpen = undefined;
    if (crash === "before_account") throw new Error("request died before the account was opened (fake)");
    this.opened.push(input);
    if (crash === "after_account") throw new Error("request died after the account was opened (fake)");
    return ok({ accountId: `acct_${input.auditionId}` });
  }

  async find(auditionId: string) {
    return this.opened.some((o) => o.auditionId === auditionId) ? { accountId: `acct_${auditionId}` } : undefined;
  }

  async result(accountId: string) {
    return this.results.get(accountId);
  }
}

export async function eligibleClone(h: Harness, user: string, modelId = "gpt-5", name = "Momentum"): Promise<string> {
  const created = await h.call(user, "POST", "/clones", { name, modelId });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await h.call(user, "PUT", `/clones/${id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: {} })).status).toBe(200);
  expect((await h.call(user, "PATCH", `/clones/${id}`, { tradingEnabled: true })).status).toBe(200);
  return id;
}

/**
 * Grants `n` credits by writing grant rows as a verified payment would (the payment path itself is
 * proven in lifecycle-payments.test.ts; here only the balance matters).
 */
export async function grantCredits(user: string, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    await env.DB.prepare(
      "INSERT INTO audition_credit_entries (id, user_id, kind, credits, payment_id, audition_id, created_at_ms) VALUES (?, ?, 'grant', 1, ?, NULL, 0)",
    )
      .bind(`seed_${tag}_${i}`, user, `seedpay_${tag}_${i}`)
      .run();
  }
}

export const PASSING: AccountResult = { status: "finalized", fills: 12, returnBps: 850, maxDrawdownBps: 400 };

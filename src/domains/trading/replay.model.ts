/**
 * The replay format (issue 10; README "Prop trading"): an event file, one JSON object per line with `t`
 * in ms, folded through the same engine the PropAccount object runs, printing one line per effect and
 * a final line. Pure: `runReplay(text)` returns the output lines or the first bad line's number.
 *
 * Replay conveniences (documented in doc/domains/trading.md): the window is [open t, open t + 10 years)
 * unless `durationHours` is given; without `allowedSymbols` every declared asset is allowed; action
 * lines may omit `decidedAtMs` (t), `confidence` (1) and `reason` ("replay"); a candle's minute is its
 * `openTimeMs` (default `t`; `t` stays the time the engine sees it); a `funding` line settles the hour
 * boundary floor(t / 1 h) on the position held at that boundary, at the symbol's current oracle price.
 */

import { z } from "@hono/zod-openapi";
import { floorTo, HOUR_MS } from "../../core/clock";
import type { AccountState } from "./account.model";
import { RulesSchema } from "./account.model";
import { fillView } from "./account-summary.model";
import { parseDec } from "./decimal.model";
import { DecisionActionSchema } from "./decision-action.model";
import { type Applied, applyEvent, type EngineEvent, markMinute, openAccount, settleHour } from "./engine.model";
import type { Effect } from "./execution.model";
import { valuation } from "./execution.model";
import { AssetSpecSchema, type Market } from "./market.model";
import { positionViews } from "./summary.model";

const T = z.number().int().nonnegative();
const Usd = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?$/)]);
const Px = z.string().regex(/^\d+(\.\d+)?$/, "a decimal price string");

const ReplayEventSchema = z.discriminatedUnion("type", [
  z.object({
    t: T,
    type: z.literal("open"),
    startingBalanceUsd: Usd,
    rules: RulesSchema.partial().optional(),
    allowedSymbols: z.array(z.string()).optional(),
    durationHours: z.number().positive().optional(),
  }),
  AssetSpecSchema.extend({ t: T, type: z.literal("asset"), marginTiers: AssetSpecSchema.shape.marginTiers.optional() }),
  z.object({
    t: T,
    type: z.literal("price"),
    symbol: z.string(),
    markPx: Px,
    oraclePx: Px.optional(),
    midPx: Px.optional(),
    impactPxs: z.tuple([Px, Px]).optional(),
  }),
  z.object({ t: T, type: z.literal("candle"), symbol: z.string(), openTimeMs: T.optional(), o: Px, h: Px, l: Px, c: Px }),
  z.object({ t: T, type: z.literal("funding"), symbol: z.string(), hourlyRate: z.string().regex(/^-?\d+(\.\d+)?$/) }),
  z.object({ t: T, type: z.literal("action") }).passthrough(),
  z.object({ t: T, type: z.literal("mark") }),
  z.object({ t: T, type: z.literal("finalize") }),
]);

export type ReplayOutput = { ok: true; lines: string[] } | { ok: false; line: number; message: string; lines: string[] };

/** Formats one engine effect as a replay output line (fills, ledger entries); other effects print nothing. */
export function effectLine(effect: Effect): Record<string, unknown> | null {
  if (effect.type === "fill") {
    const { fillId: _fillId, ...view } = fillView(effect.fill);
    return { type: "fill", ...view };
  }
  if (effect.type === "ledger") {
    const tr = effect.transfer;
    return {
      type: "ledger",
      t: tr.t,
      code: tr.code,
      amountMicroUsd: effect.cashEffectMicroUsd,
      ...(tr.symbol === undefined ? {} : { symbol: tr.symbol }),
      refId: tr.refId,
    };
  }
  return null;
}

/** The final line: status, cash, equity, totals, positions (with liquidation prices) and the result. */
export function finalLine(st: AccountState, market: Market): Record<string, unknown> {
  const v = valuation(st, market);
  return {
    type: "final",
    status: st.status,
    cashMicroUsd: st.cashMicroUsd,
    equityMicroUsd: v.equityMicroUsd,
    unrealizedPnlMicroUsd: v.unrealizedPnlMicroUsd,
    realizedPnlMicroUsd: st.totals.realizedPnlMicroUsd,
    feesMicroUsd: st.totals.feesMicroUsd,
    fundingMicroUsd: st.totals.fundingMicroUsd,
    positions: positionViews(v).map((p) => ({
      symbol: p.symbol,
      szi: p.szi,
      entryPx: p.entryPx,
      markPx: p.markPx,
      unrealizedPnlMicroUsd: p.unrealizedPnlMicroUsd,
      liquidationPx: p.liquidationPx,
    })),
    ...(st.result ? { result: st.result } : {}),
  };
}

const TEN_YEARS_MS = 10 * 365 * 24 * HOUR_MS;

/** Runs a replay file's text; stops at the first bad line (exit code 2 in the CLI). */
export function runReplay(text: string): ReplayOutput {
  const out: string[] = [];
  const market: Market = { assets: {}, quotes: {} };
  let state: AccountState | undefined;
  let autoAllow = false;
  const emit = (applied: Pick<Applied, "effects"> & { outcome?: Applied["outcome"] }) => {
    for (const e of applied.effects) {
      const line = effectLine(e);
      if (line) out.push(JSON.stringify(line));
    }
    const o = applied.outcome;
    if (o?.status === "denied")
      out.push(JSON.stringify({ type: "rejected", t: o.t, actionId: o.actionId, code: o.code, message: o.message }));
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? "").trim();
    if (raw === "" || raw.startsWith("//")) continue;
    const fail = (message: string): ReplayOutput => ({ ok: false, line: i + 1, message, lines: out });
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return fail("not JSON");
    }
    const parsed = ReplayEventSchema.safeParse(json);
    if (!parsed.success) return fail(z.prettifyError(parsed.error).replaceAll("\n", "; "));
    const ev = parsed.data;
    if (ev.type === "open") {
      if (state) return fail("a second open");
      const startingBalanceMicroUsd = Number(parseDec(String(ev.startingBalanceUsd)) / 10n ** 12n);
      autoAllow = ev.allowedSymbols === undefined;
      const opened = openAccount(
        {
          accountId: "replay",
          cloneId: "replay",
          ownerId: "replay",
          kind: "sandbox",
          startingBalanceMicroUsd,
          startMs: ev.t,
          endMs: ev.t + (ev.durationHours ? Math.round(ev.durationHours * HOUR_MS) : TEN_YEARS_MS),
          rules: RulesSchema.parse(ev.rules ?? {}),
          allowedSymbols: ev.allowedSymbols ?? [],
        },
        ev.t,
      );
      state = opened.state;
      emit(opened);
      continue;
    }
    if (!state) return fail("the first event must be open");
    let event: EngineEvent | undefined;
    switch (ev.type) {
      case "asset": {
        const { t: _t, type: _type, ...spec } = ev;
        market.assets[ev.symbol] = AssetSpecSchema.parse({
          ...spec,
          marginTiers: spec.marginTiers ?? [{ lowerBound: "0", maxLeverage: spec.maxLeverage }],
        });
        if (autoAllow && !state.allowedSymbols.includes(ev.symbol))
          state = { ...state, allowedSymbols: [...state.allowedSymbols, ev.symbol] };
        continue;
      }
      case "price":
        market.quotes[ev.symbol] = {
          symbol: ev.symbol,
          markPx: ev.markPx,
          oraclePx: ev.oraclePx ?? null,
          midPx: ev.midPx ?? null,
          pxAtMs: ev.t,
          impactPxs: ev.impactPxs ?? null,
        };
        continue;
      case "candle":
        event = {
          type: "candle",
          t: ev.t,
          candle: { symbol: ev.symbol, openTimeMs: ev.openTimeMs ?? ev.t, o: ev.o, h: ev.h, l: ev.l, c: ev.c },
        };
        break;
      case "funding": {
        // The hour boundary floor(t) on the position held at it, through the object's funding fold.
        const q = market.quotes[ev.symbol];
        if (!q) return fail(`funding for ${ev.symbol} before any price`);
        const settled = settleHour(state, {
          t: ev.t,
          hourMs: floorTo(ev.t, HOUR_MS),
          rates: [{ symbol: ev.symbol, hourlyRate: ev.hourlyRate, oraclePx: q.oraclePx ?? q.markPx }],
        });
        state = settled.state;
        emit(settled);
        continue;
      }
      case "action": {
        const { t: _t, type: _type, ...rest } = ev as Record<string, unknown>;
        const action = DecisionActionSchema.safeParse({ decidedAtMs: ev.t, confidence: 1, reason: "replay", ...rest });
        if (!action.success) return fail(z.prettifyError(action.error).replaceAll("\n", "; "));
        event = { type: "action", t: ev.t, action: action.data, market };
        break;
      }
      case "mark": {
        // The object's minute fold (no candles here: replay candles are their own events).
        const marked = markMinute(state, { t: ev.t, market });
        state = marked.state;
        emit(marked);
        continue;
      }
      case "finalize":
        event = { type: "finalize", t: ev.t, market };
        break;
    }
    const applied = applyEvent(state, event);
    state = applied.state;
    emit(applied);
  }
  if (!state) return { ok: false, line: lines.length, message: "no open event", lines: out };
  out.push(JSON.stringify(finalLine(state, market)));
  return { ok: true, lines: out };
}

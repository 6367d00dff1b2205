/**
 * Item-by-item validation of Gamma discovery pages (polymarket.model.ts#parseEvent, parseMarket), on
 * the recorded nominee event: a malformed embedded market is dropped from its event (reported), a
 * malformed event or market is reported with its id and the failing field.
 */
import { describe, expect, it } from "vitest";
import { parseEvent, parseMarket } from "../../src/domains/market-data/polymarket/polymarket.model";
import recorded from "../fixtures/polymarket/gamma_events_democratic-presidential-nominee-2028.json";

type Obj = Record<string, unknown> & { id: string; markets: Array<Record<string, unknown>> };
const event = (recorded as unknown as Obj[])[0] as Obj;

describe("discovery item parsing", () => {
  it("keeps a well-formed event with all its embedded markets", () => {
    const parsed = parseEvent(event);
    expect(parsed.event.ok && parsed.event.value.markets?.length).toBe(event.markets.length);
    expect(parsed.markets.every((m) => m.ok)).toBe(true);
  });

  it("drops only the malformed embedded market and reports it", () => {
    const broken = { ...event, markets: event.markets.map((m, i) => (i === 0 ? { ...m, question: 42 } : m)) };
    const parsed = parseEvent(broken);
    expect(parsed.event.ok && parsed.event.value.markets?.map((m) => m.id)).toEqual(event.markets.slice(1).map((m) => m.id));
    expect(parsed.markets[0]).toEqual({ ok: false, reason: expect.stringMatching(new RegExp(`^id ${event.markets[0]?.id}: question `)) });
  });

  it("reports a malformed event or market with its id and field", () => {
    expect(parseEvent({ ...event, title: null }).event).toEqual({
      ok: false,
      reason: expect.stringMatching(new RegExp(`^id ${event.id}: title `)),
    });
    expect(parseMarket({ ...event.markets[0], outcomes: "not json" })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/outcomes/),
    });
    expect(parseMarket("garbage")).toMatchObject({ ok: false, reason: expect.stringMatching(/^id \?: /) });
  });
});

/**
 * Arena settlement rules v1, to the micro-USD: the hand-computed races of doc/domains/arena.md (kept as
 * test/fixtures/arena-settlement/<name>.input.json + .expected.json and run through `settleRaceText`,
 * the same function `npm run arena:settle` uses), the building blocks (allocation, early bonus, ranking),
 * the refusals of bad input with the field path, the wire form, and a conservation checker that can fail.
 */
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/sha256";
import {
  allocate,
  checkConservation,
  earlyBonusMultiplierBps,
  formatIssues,
  parseRaceInput,
  type RaceInput,
  rankField,
  SettlementSchema,
  settlementToWire,
  settleRace,
  settleRaceText,
} from "../../src/domains/arena";
import { canonicalPreimage, writePreimage } from "../../src/domains/arena/settlement/settlement-hash.model";
import { Sha256Stream } from "../../src/domains/arena/settlement/sha256-stream.model";

const files = import.meta.glob("../fixtures/arena-settlement/*.json", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;
const fixture = (name: string, kind: "input" | "expected") => {
  const text = files[`../fixtures/arena-settlement/${name}.${kind}.json`];
  if (text === undefined) throw new Error(`missing fixture ${name}.${kind}.json`);
  return text;
};
const NAMES = [
  "normal-three-places",
  "unclaimed-redistributed",
  "no-winner-refund",
  "no-winner-carryover",
  "no-tickets",
  "scratched-entrant",
  "large-amounts",
];

function settleText(text: string) {
  const out = settleRaceText(text);
  if (!out.ok) throw new Error(formatIssues(out.error));
  return out.value;
}
const parsedInput = (name: string): RaceInput => {
  const out = parseRaceInput(JSON.parse(fixture(name, "input")));
  if (!out.ok) throw new Error(formatIssues(out.error));
  return out.value;
};

describe("hand-computed races (doc/domains/arena.md)", () => {
  it("has every fixture pair", () => {
    expect(Object.keys(files).length).toBe(NAMES.length * 2);
  });
  for (const name of NAMES) {
    it(`${name}: the CLI line equals the expected settlement field by field`, () => {
      const { line, settlement } = settleText(fixture(name, "input"));
      expect(line).not.toContain("\n");
      const got = JSON.parse(line) as Record<string, unknown>;
      const expected = JSON.parse(fixture(name, "expected")) as Record<string, unknown>;
      expect(Object.keys(got)).toEqual(Object.keys(expected));
      for (const key of Object.keys(expected)) expect({ [key]: got[key] }).toEqual({ [key]: expected[key] });
      expect(SettlementSchema.safeParse(settlement).success).toBe(true);
    });
  }

  it("normal-three-places: the worked numbers of the doc", () => {
    const s = settleRace(parsedInput("normal-three-places"));
    expect([s.poolMicroUsd, s.rakeMicroUsd, s.creatorPoolMicroUsd, s.distributionPoolMicroUsd]).toEqual([
      35_833_334n,
      1_791_666n,
      895_833n,
      34_380_402n,
    ]);
    expect(s.ranking.map((r) => r.entrantId)).toEqual(["B", "D", "A", "C"]);
    expect(s.payouts.map((p) => [p.ticketId, p.weight, p.amountMicroUsd])).toEqual([
      ["t01", 130_000_000_000n, 10_069_132n],
      ["t02", 57_500_000_000n, 4_453_654n],
      ["t03", 78_825_996_417n, 6_105_456n],
      ["t04", 52_000_000_000n, 4_858_100n],
      ["t05", 40_000_000_000n, 3_737_000n],
      ["t06", 30_000_010_000n, 5_157_060n],
    ]);
    expect(s.royalties.map((r) => [r.creatorUserId, r.amountMicroUsd])).toEqual([
      ["creator-B", 537_501n],
      ["creator-D", 223_958n],
      ["creator-A", 134_374n],
    ]);
    expect(s.refunds).toEqual([]);
  });

  it("unclaimed-redistributed: odd unclaimed micro-USD to the better place, tie within a place by ticket id as text", () => {
    const s = settleRace(parsedInput("unclaimed-redistributed"));
    expect(s.payouts.map((p) => [p.ticketId, p.place, p.amountMicroUsd])).toEqual([
      ["b-10", 2, 1_112_501n],
      ["b-9", 2, 1_112_500n],
      ["c-1", 3, 2_225_000n],
    ]);
  });

  it("scratched-entrant: the scratched ticket is refunded in full outside Pt; the pending one is ignored", () => {
    const s = settleRace(parsedInput("scratched-entrant"));
    expect(s.poolMicroUsd).toBe(6_000_000n);
    expect(s.ranking.map((r) => r.entrantId)).toEqual(["G", "J"]);
    expect(s.refunds).toEqual([{ ticketId: "s1", userId: "u1", amountMicroUsd: 4_000_000n }]);
  });

  it("large-amounts: amounts above 2^53-1 print as decimal strings, the others as numbers", () => {
    const wire = JSON.parse(settleText(fixture("large-amounts", "input")).line) as Record<string, unknown>;
    expect(wire.carryInMicroUsd).toBe("9007199254740993");
    expect(typeof wire.poolMicroUsd).toBe("string");
    const payouts = wire.payouts as Array<Record<string, unknown>>;
    expect(payouts.map((p) => typeof p.amountMicroUsd)).toEqual(["string", "number"]);
    expect(payouts[1]?.amountMicroUsd).toBe(1936); // 1935 floor + the larger remainder (doc)
  });

  it("does not depend on the order of entrants and tickets, nor on numbers vs strings", () => {
    for (const name of NAMES) {
      const race = JSON.parse(fixture(name, "input")) as { entrants: unknown[]; tickets: Array<{ amountMicroUsd: unknown }> };
      const a = settleText(JSON.stringify(race)).line;
      race.entrants.reverse();
      race.tickets.reverse();
      for (const t of race.tickets) t.amountMicroUsd = String(t.amountMicroUsd);
      expect(settleText(JSON.stringify(race)).line).toBe(a);
    }
  });

  it("the hash changes when an input or output changes", () => {
    const race = JSON.parse(fixture("normal-three-places", "input")) as { tickets: Array<{ purchasedAtMs: number }> };
    const a = settleText(JSON.stringify(race)).settlement.settlementHash;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    (race.tickets[7] as { purchasedAtMs: number }).purchasedAtMs += 1; // a pending ticket: output unchanged, input changed
    const b = settleText(JSON.stringify(race)).settlement;
    expect(b.settlementHash).not.toBe(a);
  });
});

describe("rule 5: allocate", () => {
  it("floors, then one micro-USD each to the largest remainders", () => {
    // 10 over 1:1:1 -> 3,3,3 with remainders 1,1,1 -> the tie goes to the first ticket id
    expect(
      allocate(
        10n,
        ["c", "a", "b"].map((tieKey) => ({ weight: 1n, tieKey })),
      ),
    ).toEqual([3n, 4n, 3n]);
    // 100 over 1:2:4 (W = 7): 14 r2, 28 r4, 57 r1 -> leftover 1 to the remainder 4
    expect(
      allocate(100n, [
        { weight: 1n, tieKey: "x" },
        { weight: 2n, tieKey: "y" },
        { weight: 4n, tieKey: "z" },
      ]),
    ).toEqual([14n, 29n, 57n]);
  });
  it("compares tie keys as strings ('t-10' before 't-9')", () => {
    expect(
      allocate(1n, [
        { weight: 5n, tieKey: "t-9" },
        { weight: 5n, tieKey: "t-10" },
      ]),
    ).toEqual([0n, 1n]);
  });
  it("zero amount gives zeros; impossible requests throw", () => {
    expect(allocate(0n, [{ weight: 0n, tieKey: "a" }])).toEqual([0n]);
    expect(allocate(0n, [])).toEqual([]);
    expect(() => allocate(5n, [])).toThrow();
    expect(() => allocate(5n, [{ weight: 0n, tieKey: "a" }])).toThrow();
    expect(() => allocate(-1n, [{ weight: 1n, tieKey: "a" }])).toThrow();
  });
});

describe("rules 2-3: ranking and early bonus", () => {
  it("ranks return desc, drawdown asc, seat asc", () => {
    const field = [
      { entrantId: "a", seat: 3, returnBps: 100, maxDrawdownBps: 50 },
      { entrantId: "b", seat: 2, returnBps: 100, maxDrawdownBps: 50 },
      { entrantId: "c", seat: 1, returnBps: 100, maxDrawdownBps: 60 },
      { entrantId: "d", seat: 9, returnBps: 200, maxDrawdownBps: 900 },
    ];
    expect(rankField(field).map((p) => `${p.place}:${p.entrant.entrantId}`)).toEqual(["1:d", "2:b", "3:a", "4:c"]);
  });
  it("clamps the purchase time and floors the bonus", () => {
    const w = { opensAtMs: 1000, closesAtMs: 4000 };
    expect(earlyBonusMultiplierBps(3000, w, 0)).toBe(13_000n);
    expect(earlyBonusMultiplierBps(3000, w, 1000)).toBe(13_000n);
    expect(earlyBonusMultiplierBps(3000, w, 2000)).toBe(12_000n);
    expect(earlyBonusMultiplierBps(1000, w, 2000)).toBe(10_666n); // floor(1000*2000/3000)
    expect(earlyBonusMultiplierBps(3000, w, 4000)).toBe(10_000n);
    expect(earlyBonusMultiplierBps(3000, w, 9999)).toBe(10_000n);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: the mutation table edits free-form JSON by path, typed loosely on purpose
type Json = Record<string, any>;

describe("bad input is refused with the field's path", () => {
  const base = () => JSON.parse(fixture("normal-three-places", "input")) as Json;
  const cases: Array<[string, (r: Json) => void, string]> = [
    ["missing raceId", (r) => delete r.raceId, "raceId"],
    ["missing config.noWinner", (r) => delete r.config.noWinner, "config.noWinner"],
    ["unknown noWinner", (r) => (r.config.noWinner = "burn"), "config.noWinner"],
    ["negative amount", (r) => (r.tickets[2].amountMicroUsd = -5), "tickets[2].amountMicroUsd"],
    ["negative amount string", (r) => (r.tickets[2].amountMicroUsd = "-5"), "tickets[2].amountMicroUsd"],
    ["fractional amount", (r) => (r.tickets[0].amountMicroUsd = 1.5), "tickets[0].amountMicroUsd"],
    ["decimal-point string amount", (r) => (r.tickets[0].amountMicroUsd = "1.5"), "tickets[0].amountMicroUsd"],
    ["unsafe number amount", (r) => (r.tickets[0].amountMicroUsd = 2 ** 60), "tickets[0].amountMicroUsd"],
    ["zero ticket amount", (r) => (r.tickets[0].amountMicroUsd = 0), "tickets[0].amountMicroUsd"],
    ["negative carry-in", (r) => (r.carryInMicroUsd = -1), "carryInMicroUsd"],
    ["bps above 10000", (r) => (r.config.rakeBps = 10001), "config.rakeBps"],
    ["negative bps", (r) => (r.config.placeBps[1] = -1), "config.placeBps[1]"],
    ["placeBps sum", (r) => (r.config.placeBps = [6000, 5000]), "config.placeBps"],
    ["place 1 unpaid", (r) => (r.config.placeBps = [0, 5000]), "config.placeBps[0]"],
    ["empty placeBps", (r) => (r.config.placeBps = []), "config.placeBps"],
    ["royaltyBps sum", (r) => (r.config.royaltyBps = [9000, 2000]), "config.royaltyBps"],
    ["rake + creator pool", (r) => (r.config.creatorPoolBps = 9600), "config.creatorPoolBps"],
    ["earlyBonusBps range", (r) => (r.config.earlyBonusBps = 20000), "config.earlyBonusBps"],
    ["window", (r) => (r.accumulation.closesAtMs = r.accumulation.opensAtMs), "accumulation.closesAtMs"],
    ["unknown entrant", (r) => (r.tickets[4].entrantId = "nobody"), "tickets[4].entrantId"],
    ["duplicate ticket id", (r) => (r.tickets[3].ticketId = "t01"), "tickets[3].ticketId"],
    ["duplicate entrant id", (r) => (r.entrants[2].entrantId = "A"), "entrants[2].entrantId"],
    ["duplicate clone id", (r) => (r.entrants[1].cloneId = "clone-A"), "entrants[1].cloneId"],
    ["duplicate seat", (r) => (r.entrants[3].seat = 1), "entrants[3].seat"],
    ["unknown ticket status", (r) => (r.tickets[0].status = "won"), "tickets[0].status"],
    ["result in progress", (r) => (r.entrants[0].result.status = "live"), "entrants[0].result.status"],
    ["final result without return", (r) => delete r.entrants[0].result.returnBps, "entrants[0].result.returnBps"],
    ["missing result", (r) => delete r.entrants[1].result, "entrants[1].result"],
    ["empty user id", (r) => (r.tickets[1].userId = ""), "tickets[1].userId"],
    ["tickets not an array", (r) => (r.tickets = {}), "tickets"],
  ];
  for (const [what, mutate, path] of cases) {
    it(`${what} -> ${path}`, () => {
      const race = base();
      mutate(race);
      const out = settleRaceText(JSON.stringify(race));
      expect(out.ok).toBe(false);
      if (out.ok) return;
      expect(out.error.map((i) => i.path)).toContain(path);
      expect(formatIssues(out.error)).toContain(`invalid input at ${path}:`);
    });
  }
  it("a byte-order mark is tolerated", () => {
    expect(settleRaceText(`\ufeff${fixture("no-tickets", "input")}`).ok).toBe(true);
  });
  it("not JSON -> (root)", () => {
    const out = settleRaceText("{nope");
    expect(out.ok ? [] : out.error.map((i) => i.path)).toEqual(["(root)"]);
  });
  it("accepts the scratched forms and ignores unknown keys", () => {
    const race = base();
    race.entrants[2].result = null;
    race.extra = { anything: true };
    expect(settleRaceText(JSON.stringify(race)).ok).toBe(true);
  });
});

describe("rule 8: the conservation checker can fail", () => {
  const input = parsedInput("normal-three-places");
  const s = settleRace(input);
  it("accepts the real settlement", () => {
    expect(checkConservation(input, s)).toEqual([]);
  });
  it("catches a moved micro-USD, a negative amount and a payout outside the pool", () => {
    const moved = structuredClone(s);
    (moved.payouts[0] as { amountMicroUsd: bigint }).amountMicroUsd += 1n;
    expect(checkConservation(input, moved).join()).toMatch(/payouts/);
    const negative = structuredClone(s);
    (negative.payouts[0] as { amountMicroUsd: bigint }).amountMicroUsd = -1n;
    (negative.payouts[1] as { amountMicroUsd: bigint }).amountMicroUsd += s.payouts[0]?.amountMicroUsd ?? 0n;
    (negative.payouts[1] as { amountMicroUsd: bigint }).amountMicroUsd += 1n;
    expect(checkConservation(input, negative)).toContain("negative amount");
    const outside = structuredClone(s);
    (outside.payouts[0] as { ticketId: string }).ticketId = "t08";
    expect(checkConservation(input, outside).join()).toMatch(/outside the pool/);
  });
  it("wire form keeps bigints exact", () => {
    expect(settlementToWire(s).poolMicroUsd).toBe(35_833_334);
  });
});

describe("settlement hash: the fast path equals the generic canonical JSON", () => {
  it("writePreimage is byte-identical to canonicalJson of the preimage, for every fixture", () => {
    for (const name of NAMES) {
      const input = parsedInput(name);
      const { settlementHash, ...body } = settleRace(input);
      let text = "";
      writePreimage(input, body, (piece) => {
        text += piece;
      });
      expect(text).toBe(canonicalPreimage(input, body));
      expect(settlementHash).toBe(sha256Hex(text));
    }
  });
  it("also with optional result members missing or null, and non-ASCII ids", () => {
    const race = JSON.parse(fixture("scratched-entrant", "input")) as Json;
    race.entrants[1].result = { status: "scratched" };
    race.tickets[0].userId = "usér-😀";
    const out = parseRaceInput(race);
    if (!out.ok) throw new Error(formatIssues(out.error));
    const { settlementHash, ...body } = settleRace(out.value);
    const reference = canonicalPreimage(out.value, body);
    expect(settlementHash).toBe(sha256Hex(reference));
  });
  it("the incremental SHA-256 equals the core one across block boundaries and multi-byte text", () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 70_000]) {
      const chars = Array.from("aé😀".repeat(n)); // whole code points: pieces never split a surrogate pair
      const stream = new Sha256Stream();
      for (let i = 0; i < chars.length; i += 7) stream.update(chars.slice(i, i + 7).join(""));
      expect(stream.digestHex()).toBe(sha256Hex(chars.join("")));
    }
    expect(new Sha256Stream().update("abc").digestHex()).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

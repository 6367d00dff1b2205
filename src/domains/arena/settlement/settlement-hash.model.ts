/**
 * `settlementHash`: SHA-256 (hex) over the canonical JSON (src/core/canonical-json.ts: keys sorted by
 * UTF-16 code units at every depth, no whitespace, undefined members dropped) of
 * `{ scheme: "arena-settlement-v1", input, output }`, where
 *   input  = the validated race (unknown keys dropped, entrants sorted by entrantId, tickets by ticketId),
 *   output = the settlement without its hash,
 * and every bigint (amounts, weights) is written as a decimal string, so the hash depends neither on the
 * order of the input arrays nor on whether an amount arrived as a JSON number or a string.
 *
 * Speed: a 100,000-ticket race is ~19 MB of canonical JSON. Instead of building it with the generic
 * `canonicalJson` (seconds here), `writePreimage` emits the same text row by row with the keys already in
 * canonical order, straight into an incremental hasher. `canonicalPreimage` is the generic reference:
 * a unit test holds the two byte-identical.
 * Invariant: equal races give equal hashes; any change to an input field or an output amount changes it.
 * Called by settlement.model.ts; the settling job stores it beside the settlement for audit.
 */
import { canonicalJson } from "../../../core/canonical-json";
import type { RaceInput } from "./settlement-input.model";
import { Sha256Stream } from "./sha256-stream.model";

export const SETTLEMENT_HASH_SCHEME = "arena-settlement-v1";

/** Deep copy with every bigint as a decimal string ("string") or as a number when safe ("auto"). */
export function bigintsToJson(value: unknown, mode: "string" | "auto"): unknown {
  if (typeof value === "bigint") {
    return mode === "auto" && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = bigintsToJson(value[i], mode);
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = bigintsToJson((value as Record<string, unknown>)[key], mode);
    return out;
  }
  return value;
}

/** The hashed output: the settlement body (no hash). Structural so that this file needs no settlement.model import. */
export interface HashedOutput {
  raceId: string;
  poolMicroUsd: bigint;
  rakeMicroUsd: bigint;
  creatorPoolMicroUsd: bigint;
  distributionPoolMicroUsd: bigint;
  carryInMicroUsd: bigint;
  carryOutMicroUsd: bigint;
  ranking: readonly { place: number; entrantId: string }[];
  payouts: readonly { ticketId: string; userId: string; entrantId: string; place: number; weight: bigint; amountMicroUsd: bigint }[];
  royalties: readonly { place: number; entrantId: string; creatorUserId: string; amountMicroUsd: bigint }[];
  refunds: readonly { ticketId: string; userId: string; amountMicroUsd: bigint }[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function canonicalInput(input: RaceInput): RaceInput {
  return {
    raceId: input.raceId,
    config: input.config,
    accumulation: input.accumulation,
    carryInMicroUsd: input.carryInMicroUsd,
    entrants: [...input.entrants].sort((a, b) => compare(a.entrantId, b.entrantId)),
    tickets: [...input.tickets].sort((a, b) => compare(a.ticketId, b.ticketId)),
  };
}

/** Reference preimage through the generic canonical JSON (slow on big races; tests compare against it). */
export function canonicalPreimage(input: RaceInput, output: HashedOutput): string {
  const preimage = { scheme: SETTLEMENT_HASH_SCHEME, input: canonicalInput(input), output };
  return canonicalJson(bigintsToJson(preimage, "string"));
}

const s = JSON.stringify;
const q = (n: bigint) => `"${n}"`;
const list = (xs: readonly number[]) => `[${xs.join(",")}]`;

/** Emits the canonical preimage in pieces (keys hand-ordered by UTF-16 code units; see canonicalPreimage). */
export function writePreimage(input: RaceInput, output: HashedOutput, write: (piece: string) => void): void {
  const race = canonicalInput(input);
  const c = race.config;
  write(
    `{"input":{"accumulation":{"closesAtMs":${race.accumulation.closesAtMs},"opensAtMs":${race.accumulation.opensAtMs}}` +
      `,"carryInMicroUsd":${q(race.carryInMicroUsd)}` +
      `,"config":{"creatorPoolBps":${c.creatorPoolBps},"earlyBonusBps":${c.earlyBonusBps},"noWinner":${s(c.noWinner)}` +
      `,"placeBps":${list(c.placeBps)},"rakeBps":${c.rakeBps},"royaltyBps":${list(c.royaltyBps)}},"entrants":[`,
  );
  race.entrants.forEach((e, i) => {
    let result = "null";
    if (e.result !== null) {
      const r = e.result;
      const members: string[] = [];
      if (r.liquidated !== undefined) members.push(`"liquidated":${s(r.liquidated)}`);
      if (r.maxDrawdownBps !== undefined) members.push(`"maxDrawdownBps":${s(r.maxDrawdownBps)}`);
      if (r.returnBps !== undefined) members.push(`"returnBps":${s(r.returnBps)}`);
      members.push(`"status":${s(r.status)}`);
      result = `{${members.join(",")}}`;
    }
    write(
      `${i > 0 ? "," : ""}{"cloneId":${s(e.cloneId)},"creatorUserId":${s(e.creatorUserId)},"entrantId":${s(e.entrantId)}` +
        `,"result":${result},"seat":${e.seat}}`,
    );
  });
  write(`],"raceId":${s(race.raceId)},"tickets":[`);
  race.tickets.forEach((t, i) => {
    write(
      `${i > 0 ? "," : ""}{"amountMicroUsd":${q(t.amountMicroUsd)},"entrantId":${s(t.entrantId)},"purchasedAtMs":${t.purchasedAtMs}` +
        `,"status":${s(t.status)},"ticketId":${s(t.ticketId)},"userId":${s(t.userId)}}`,
    );
  });
  const o = output;
  write(
    `]},"output":{"carryInMicroUsd":${q(o.carryInMicroUsd)},"carryOutMicroUsd":${q(o.carryOutMicroUsd)}` +
      `,"creatorPoolMicroUsd":${q(o.creatorPoolMicroUsd)},"distributionPoolMicroUsd":${q(o.distributionPoolMicroUsd)},"payouts":[`,
  );
  o.payouts.forEach((p, i) => {
    write(
      `${i > 0 ? "," : ""}{"amountMicroUsd":${q(p.amountMicroUsd)},"entrantId":${s(p.entrantId)},"place":${p.place}` +
        `,"ticketId":${s(p.ticketId)},"userId":${s(p.userId)},"weight":${q(p.weight)}}`,
    );
  });
  write(`],"poolMicroUsd":${q(o.poolMicroUsd)},"raceId":${s(o.raceId)},"rakeMicroUsd":${q(o.rakeMicroUsd)},"ranking":[`);
  write(o.ranking.map((r) => `{"entrantId":${s(r.entrantId)},"place":${r.place}}`).join(","));
  write(`],"refunds":[`);
  o.refunds.forEach((r, i) => {
    write(`${i > 0 ? "," : ""}{"amountMicroUsd":${q(r.amountMicroUsd)},"ticketId":${s(r.ticketId)},"userId":${s(r.userId)}}`);
  });
  write(`],"royalties":[`);
  write(
    o.royalties
      .map(
        (r) =>
          `{"amountMicroUsd":${q(r.amountMicroUsd)},"creatorUserId":${s(r.creatorUserId)},"entrantId":${s(r.entrantId)},"place":${r.place}}`,
      )
      .join(","),
  );
  write(`]},"scheme":${s(SETTLEMENT_HASH_SCHEME)}}`);
}

/** The hash of a settlement body computed from `input`. */
export function settlementHash(input: RaceInput, output: HashedOutput): string {
  const hasher = new Sha256Stream();
  writePreimage(input, output, (piece) => hasher.update(piece));
  return hasher.digestHex();
}

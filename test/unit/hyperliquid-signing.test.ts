/**
 * Hyperliquid L1 signing against the official Python SDK's published vectors
 * (test/fixtures/hyperliquid/signing/sdk-vectors.json, from tests/signing_test.py): the phantom
 * agent's connection id, every l1 vector on mainnet and testnet (vault, cloid, trigger order,
 * createSubAccount, subAccountTransfer, scheduleCancel with and without time), float_to_int_for_hashing,
 * and float_to_wire. Also the properties the vectors rest on: msgpack integer widths as Python's
 * msgpack writes them, key order being part of the hash, and the signer being recoverable.
 */
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { orderAction, scheduleCancelAction } from "../../src/domains/trading/live/hyperliquid/actions.model";
import {
  actionHash,
  packAction,
  recoverL1Signer,
  sdkHex,
  signL1Action,
  type WireAction,
} from "../../src/domains/trading/live/hyperliquid/signing.model";
import { floatToIntForHashing, floatToWire } from "../../src/domains/trading/live/hyperliquid/wire.model";
import vectors from "../fixtures/hyperliquid/signing/sdk-vectors.json";

const pk = vectors.privateKey as `0x${string}`;
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("published SDK vectors", () => {
  it("phantom agent: the connection id of the production order", () => {
    const v = vectors.phantomAgent;
    expect(actionHash(v.action as WireAction, v.nonce, null)).toBe(v.connectionId);
    // The same action built by the builder (ETH asset 4, szDecimals 4) hashes identically.
    const built = orderAction([
      {
        asset: { id: 4, szDecimals: 4, kind: "perp" },
        isBuy: true,
        px: 1670.1,
        sz: 0.0147,
        reduceOnly: false,
        orderType: { limit: { tif: "Ioc" } },
      },
    ]);
    expect(built.ok && actionHash(built.value, v.nonce, null)).toBe(v.connectionId);
  });

  for (const v of vectors.l1) {
    for (const net of ["mainnet", "testnet"] as const) {
      it(`${v.name} on ${net}`, async () => {
        const signed = await signL1Action({
          privateKey: pk,
          action: v.action as WireAction,
          nonce: v.nonce,
          vaultAddress: v.vaultAddress as `0x${string}` | null,
          isMainnet: net === "mainnet",
        });
        const want = v[net];
        expect({ r: sdkHex(signed.signature.r), s: sdkHex(signed.signature.s), v: signed.signature.v }).toEqual(want);
        // r and s on the wire are 32 bytes; the SDK's form drops leading zeros only.
        expect(signed.signature.r).toMatch(/^0x[0-9a-f]{64}$/);
        expect(BigInt(signed.signature.r)).toBe(BigInt(want.r));
      });
    }
  }

  it("builders reproduce the vector actions byte for byte", () => {
    const eth = { id: 1, szDecimals: 4, kind: "perp" as const };
    const byName = (name: string) => vectors.l1.find((v) => v.name === name)?.action;
    const gtc = orderAction([{ asset: eth, isBuy: true, px: 100, sz: 100, reduceOnly: false, orderType: { limit: { tif: "Gtc" } } }]);
    const cloid = orderAction([
      {
        asset: eth,
        isBuy: true,
        px: "100",
        sz: "100",
        reduceOnly: false,
        orderType: { limit: { tif: "Gtc" } },
        cloid: "0x00000000000000000000000000000001",
      },
    ]);
    const trigger = orderAction([
      {
        asset: eth,
        isBuy: true,
        px: 100,
        sz: 100,
        reduceOnly: false,
        orderType: { trigger: { isMarket: true, triggerPx: 103, tpsl: "sl" } },
      },
    ]);
    expect(gtc.ok && hex(packAction(gtc.value))).toBe(hex(packAction(byName("order (Gtc limit)") as WireAction)));
    expect(cloid.ok && hex(packAction(cloid.value))).toBe(hex(packAction(byName("order with cloid") as WireAction)));
    expect(trigger.ok && hex(packAction(trigger.value))).toBe(hex(packAction(byName("trigger order (sl, market)") as WireAction)));
    expect(hex(packAction(scheduleCancelAction(123456789)))).toBe(hex(packAction(byName("scheduleCancel (time 123456789)") as WireAction)));
    expect(hex(packAction(scheduleCancelAction()))).toBe(hex(packAction(byName("scheduleCancel (no time)") as WireAction)));
  });

  it("float_to_int_for_hashing", () => {
    for (const c of vectors.floatToIntForHashing) {
      const r = floatToIntForHashing(c.x);
      if (c.expected === null) expect(r.ok).toBe(false);
      else expect(r).toEqual({ ok: true, value: BigInt(c.expected) });
    }
    // The dummy action's num is float_to_int_for_hashing(1000), a bigint or a number: same hash.
    const num = floatToIntForHashing(1000);
    expect(num.ok && num.value).toBe(100000000000n);
    const asBig = actionHash({ type: "dummy", num: 100000000000n }, 0, null);
    expect(asBig).toBe(actionHash({ type: "dummy", num: 100000000000 }, 0, null));
  });
});

describe("float_to_wire", () => {
  it("strips trailing zeros, writes -0 as 0, keeps up to 8 decimals", () => {
    const cases: Array<[number | string, string]> = [
      [100, "100"],
      ["100.0", "100"],
      [1670.1, "1670.1"],
      [0.0147, "0.0147"],
      ["0.00000001", "0.00000001"],
      [1e-8, "0.00000001"],
      [-0, "0"],
      ["-0.0", "0"],
      [123456789.12345678, "123456789.12345678"],
      [1e21, "1000000000000000000000"],
      ["-1.50", "-1.5"],
    ];
    for (const [x, want] of cases) expect(floatToWire(x)).toEqual({ ok: true, value: want });
  });

  it("refuses a value that would need rounding and non-numbers", () => {
    for (const x of [0.000000001, "1.123456789", 0.000012312312, Number.NaN, Number.POSITIVE_INFINITY, "abc", ""]) {
      expect(floatToWire(x).ok).toBe(false);
    }
  });
});

describe("hash properties", () => {
  it("encodes integers with Python msgpack's widths: ≥ 2^32 as uint64 (0xcf), never float", () => {
    const packed = hex(packAction({ type: "dummy", num: 100000000000 }));
    expect(packed.endsWith(`a36e756dcf${(100000000000).toString(16).padStart(16, "0")}`)).toBe(true);
    expect(hex(packAction({ type: "x", n: 2 ** 32 - 1 }))).toMatch(/ceffffffff$/);
    expect(
      hex(packAction({ type: "x", n: 12312312312300000000n })).endsWith(`cf${12312312312300000000n.toString(16).padStart(16, "0")}`),
    ).toBe(true);
    expect(hex(packAction({ type: "x", n: 1.5 }))).toMatch(/cb3ff8000000000000$/);
    expect(() => packAction({ type: "x", n: 2 ** 60 })).toThrow(/bigint/);
  });

  it("key order is part of the hash", () => {
    const a = { type: "order", orders: [{ a: 1, b: true, p: "100", s: "100", r: false, t: { limit: { tif: "Gtc" } } }], grouping: "na" };
    const b = { type: "order", orders: [{ b: true, a: 1, p: "100", s: "100", r: false, t: { limit: { tif: "Gtc" } } }], grouping: "na" };
    expect(actionHash(a, 0, null)).not.toBe(actionHash(b, 0, null));
  });

  it("nonce and vault change the hash; a malformed vault is refused", () => {
    const action = { type: "scheduleCancel" };
    const base = actionHash(action, 0, null);
    expect(actionHash(action, 1, null)).not.toBe(base);
    expect(actionHash(action, 0, "0x1719884eb866cb12b2287399b15f7db5e7d775ea")).not.toBe(base);
    expect(() => actionHash(action, 0, "0x1234")).toThrow(/20 bytes/);
    expect(() => actionHash(action, -1, null)).toThrow(/uint64/);
  });

  it("the signer is recoverable from the signature, and only for the signed bytes and network", async () => {
    const action: WireAction = { type: "scheduleCancel", time: 123456789 };
    const signed = await signL1Action({ privateKey: pk, action, nonce: 7, vaultAddress: null, isMainnet: false });
    const who = privateKeyToAccount(pk).address;
    const args = { action, nonce: 7, vaultAddress: null, isMainnet: false, signature: signed.signature };
    expect(await recoverL1Signer(args)).toBe(who);
    expect(await recoverL1Signer({ ...args, action: { type: "scheduleCancel", time: 123456790 } })).not.toBe(who);
    expect(await recoverL1Signer({ ...args, nonce: 8 })).not.toBe(who);
    expect(await recoverL1Signer({ ...args, isMainnet: true })).not.toBe(who);
    // The SDK's unpadded r/s form recovers the same signer (the stand-in accepts both forms).
    const sdkForm = { ...signed.signature, r: sdkHex(signed.signature.r), s: sdkHex(signed.signature.s) };
    expect(await recoverL1Signer({ ...args, signature: sdkForm })).toBe(who);
  });
});

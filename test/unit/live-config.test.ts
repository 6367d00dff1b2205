/**
 * Live-trading settings: testnet by default, and no configuration outside production can reach the
 * mainnet exchange (a mainnet URL needs IS_MAINNET=true, which needs APP_ENV=production).
 */
import { describe, expect, it } from "vitest";
import { isMainnetUrl, readLiveConfig } from "../../src/domains/trading";

const read = (vars: Record<string, string>) => () => readLiveConfig({ ...vars });

describe("live settings", () => {
  it("defaults to the testnet exchange, testnet signatures, kill switch off", () => {
    expect(readLiveConfig({})).toMatchObject({
      HYPERLIQUID_EXCHANGE_URL: "https://api.hyperliquid-testnet.xyz",
      HYPERLIQUID_IS_MAINNET: false,
      LIVE_KILL_SWITCH: "off",
      LIVE_AGENT_KEK_ID: "v1",
      LIVE_RECONCILE_TOLERANCE_BPS: 50,
    });
  });

  it("accepts a local stand-in URL in tests", () => {
    expect(readLiveConfig({ APP_ENV: "test", HYPERLIQUID_EXCHANGE_URL: "http://127.0.0.1:9999" }).HYPERLIQUID_EXCHANGE_URL).toBe(
      "http://127.0.0.1:9999",
    );
  });

  it("refuses a mainnet URL unless mainnet is explicit, and mainnet outside production", () => {
    expect(isMainnetUrl("https://api.hyperliquid.xyz")).toBe(true);
    expect(isMainnetUrl("https://api.hyperliquid-testnet.xyz")).toBe(false);
    expect(read({ APP_ENV: "test", HYPERLIQUID_EXCHANGE_URL: "https://api.hyperliquid.xyz" })).toThrow(/HYPERLIQUID_EXCHANGE_URL/);
    expect(
      read({ APP_ENV: "development", HYPERLIQUID_EXCHANGE_URL: "https://api.hyperliquid.xyz", HYPERLIQUID_IS_MAINNET: "true" }),
    ).toThrow(/production only/);
    expect(read({ APP_ENV: "test", HYPERLIQUID_IS_MAINNET: "true", HYPERLIQUID_EXCHANGE_URL: "http://127.0.0.1:1" })).toThrow(
      /production only/,
    );
    expect(read({ APP_ENV: "production", HYPERLIQUID_IS_MAINNET: "true" })).toThrow(/testnet exchange but IS_MAINNET/);
    expect(
      readLiveConfig({ APP_ENV: "production", HYPERLIQUID_IS_MAINNET: "true", HYPERLIQUID_EXCHANGE_URL: "https://api.hyperliquid.xyz" })
        .HYPERLIQUID_IS_MAINNET,
    ).toBe(true);
  });

  it("refuses malformed values naming the setting", () => {
    expect(read({ HYPERLIQUID_IS_MAINNET: "yes" })).toThrow(/HYPERLIQUID_IS_MAINNET/);
    expect(read({ LIVE_KILL_SWITCH: "maybe" })).toThrow(/LIVE_KILL_SWITCH/);
    expect(read({ LIVE_AGENT_KEK_ID: "bad id!" })).toThrow(/LIVE_AGENT_KEK_ID/);
  });
});

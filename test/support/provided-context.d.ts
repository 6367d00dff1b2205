/** Values test/global-setup.ts (Node) hands to the workerd tests through `provide`/`inject`. */
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    globalSetupReady: boolean;
    /** The Hyperliquid replay exchange (src/cli/replay-exchange) started for this test run. */
    replayExchange: { baseUrl: string; infoUrl: string; wsUrl: string };
    /** A second replay exchange enforcing the real per-IP limits (weight window scaled), real-time candles. */
    strictExchange: { baseUrl: string; infoUrl: string; wsUrl: string; weightWindowMs: number };
    /** Polymarket Gamma + CLOB stand-in (src/cli/stand-ins), serving the recorded fixtures. */
    polymarketUrl: string;
    /** DefiLlama stand-in (src/cli/stand-ins), serving the recorded fixtures. */
    defillamaUrl: string;
    /** EVM JSON-RPC stand-in (src/cli/stand-ins/evm-rpc.stand-in.ts), serving the recorded receipts. */
    evmRpcUrl: string;
    /** Model provider stand-in (OpenAI Chat Completions + Anthropic Messages), base URL with `/v1`. */
    llmBaseUrl: string;
    /** Alert webhook receiver (src/cli/stand-ins/webhook.stand-in.ts) and the secret it verifies signatures with. */
    webhook: { url: string; secret: string };
  }
}

/**
 * EVM JSON-RPC stand-in for audition fee verification: speaks JSON-RPC 2.0 over HTTP POST (single and
 * batch requests) and serves the REAL recorded `eth_getTransactionReceipt` answers in
 * test/fixtures/evm/recorded/ (an Arbitrum One USDC transfer, a Base USDC transfer, a failed mainnet
 * transaction), by transaction hash, whatever chain they were recorded on.
 *
 * Methods: `eth_chainId` (the configured chain, Arbitrum One by default), `eth_blockNumber` (the head),
 * `eth_getTransactionReceipt` (recorded receipt or null, as a node answers for an unknown hash),
 * `eth_getBlockByNumber` (a minimal block: number, hash, parent, timestamp 0, no transactions) for a
 * number, `latest`, and `safe`/`finalized` where the network has them.
 *
 * Derived, not recorded: the head block. By default it is the highest recorded receipt block + 20, so
 * every recorded transfer has 21 confirmations. Tests need independent chains that move, so
 * `POST <url>/net/<name>` is a separate network with its own head and extra receipts, controlled with
 * `POST <url>/__control/net/<name>` and a JSON body `{ head?, advance?, receipts?, answerAs?,
 * finalizedLag?, safeLag? }` (receipts derived by the tests from the recorded ones, which say so;
 * `answerAs` maps a hash to a receipt served for it whatever its own hash: a broken or lying node).
 * Finality tags are derived too: with `finalizedLag: n` the `finalized` block is head − n (likewise
 * `safeLag`); a network without a lag answers "unknown block" for that tag, as a node of a chain
 * without it does. The recordings hold no finality block, so no network has one unless a test sets it.
 *
 * Contract wallets (EIP-1271), derived, not recorded: `contractWallets: { <address>: { answer, hash? } }`
 * in a control body makes `<address>` a contract whose `isValidSignature(hash, signature)` returns the
 * bytes4 `answer` (the magic value 0x1626ba7e means valid) for `hash` (any hash when unset; 0xffffffff
 * for another). `eth_call` answers it for a direct `isValidSignature` call to that address and for the
 * deployless ERC-6492 universal validator call viem's `verifyMessage` makes (data = the validator's
 * bytecode + abi(address, hash, signature); the validator returns true iff isValidSignature answered
 * the magic value, and false for an address without a registered contract: no EVM runs here).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { decodeAbiParameters, decodeFunctionData, encodeAbiParameters, erc6492SignatureValidatorByteCode, type Hex, parseAbi } from "viem";

type Receipt = Record<string, unknown> & { transactionHash: string; blockNumber: string };

/** The recorded Arbitrum One USDC transfer the dev settings are built on. */
export const RECORDED_ARBITRUM_TRANSFER = {
  txHash: "0x2aa0a70af2347ccc4ba3d5f4eddd362c7cd8118c0f2a3617d4b4fcf78c929ea7",
  chainId: 42161,
  token: "0xaf88d065e77c8cc2239327c5edb3a432268e5831",
  from: "0x4e60c2e7181edfc5471c0cbc8d485706d1b35686",
  to: "0x2df1c51e09aecf9cacb7bc98cb1742757f163df7",
  /** 500.590000 USDC in base units (data 0x1dd665b0). */
  amount: 500_590_000n,
  blockNumber: 0x128b0e55n,
} as const;

export function loadRecordedReceipts(dir = join(process.cwd(), "test/fixtures/evm/recorded")): Map<string, Receipt> {
  const out = new Map<string, Receipt>();
  for (const file of readdirSync(dir).filter((f) => f.startsWith("eth_getTransactionReceipt"))) {
    const answer = JSON.parse(readFileSync(join(dir, file), "utf8")) as { result?: Receipt | null };
    if (answer.result?.transactionHash) out.set(answer.result.transactionHash.toLowerCase(), answer.result);
  }
  return out;
}

/** A registered EIP-1271 contract wallet: what its isValidSignature answers (for `hash` only, when set). */
type ContractWallet = { answer: string; hash?: string };
const MAGIC_1271 = "0x1626ba7e";
const erc1271Abi = parseAbi(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);

interface Network {
  head: bigint;
  receipts: Map<string, Receipt>;
  contractWallets: Map<string, ContractWallet>;
  finalizedLag?: bigint;
  safeLag?: bigint;
}

/** The minimal block viem's `getBlock` formats (number and hashes derived from the number). */
const blockAt = (n: bigint) => {
  const hash = (k: bigint) => `0x${k.toString(16).padStart(64, "0")}`;
  return { number: `0x${n.toString(16)}`, hash: hash(n), parentHash: hash(n - 1n), timestamp: "0x0", transactions: [], logsBloom: null };
};

type RpcRequest = { jsonrpc?: string; id?: unknown; method?: string; params?: unknown[] };

export async function startEvmRpcStandIn(options: { chainId?: number; port?: number } = {}) {
  const chainId = options.chainId ?? RECORDED_ARBITRUM_TRANSFER.chainId;
  const recorded = loadRecordedReceipts();
  const defaultHead = [...recorded.values()].reduce((max, r) => (BigInt(r.blockNumber) > max ? BigInt(r.blockNumber) : max), 0n) + 20n;
  const networks = new Map<string, Network>();
  const network = (name: string): Network => {
    let net = networks.get(name);
    if (!net) {
      net = { head: defaultHead, receipts: new Map(), contractWallets: new Map() };
      networks.set(name, net);
    }
    return net;
  };

  const answer = (net: Network, req: RpcRequest) => {
    const reply = (result: unknown) => ({ jsonrpc: "2.0", id: req.id ?? null, result });
    switch (req.method) {
      case "eth_chainId":
        return reply(`0x${chainId.toString(16)}`);
      case "eth_blockNumber":
        return reply(`0x${net.head.toString(16)}`);
      case "eth_getBlockByNumber": {
        const tag = String(req.params?.[0] ?? "latest");
        const lag = tag === "finalized" ? net.finalizedLag : tag === "safe" ? net.safeLag : tag === "latest" ? 0n : undefined;
        if (lag !== undefined) return reply(blockAt(net.head - lag));
        if (/^0x[0-9a-f]+$/i.test(tag) && BigInt(tag) <= net.head) return reply(blockAt(BigInt(tag)));
        if (tag === "finalized" || tag === "safe") {
          return { jsonrpc: "2.0", id: req.id ?? null, error: { code: -39001, message: "Unknown block" } };
        }
        return reply(null);
      }
      case "eth_call": {
        const call = (req.params?.[0] ?? {}) as { to?: string; data?: string };
        const answer1271 = (address: string, hash: string) => {
          const wallet = net.contractWallets.get(address.toLowerCase());
          if (!wallet) return undefined;
          return wallet.hash === undefined || wallet.hash.toLowerCase() === hash.toLowerCase() ? wallet.answer : "0xffffffff";
        };
        const data = (call.data ?? "0x") as Hex;
        if (!call.to && data.toLowerCase().startsWith(erc6492SignatureValidatorByteCode.toLowerCase())) {
          const args = `0x${data.slice(erc6492SignatureValidatorByteCode.length)}` as Hex;
          const [address, hash] = decodeAbiParameters([{ type: "address" }, { type: "bytes32" }, { type: "bytes" }], args);
          return reply(encodeAbiParameters([{ type: "bool" }], [answer1271(address, hash) === MAGIC_1271]));
        }
        if (call.to && net.contractWallets.has(call.to.toLowerCase())) {
          const { args } = decodeFunctionData({ abi: erc1271Abi, data });
          const answer = answer1271(call.to, args[0]) ?? "0xffffffff";
          return reply(encodeAbiParameters([{ type: "bytes4" }], [answer as Hex]));
        }
        return reply("0x"); // no code at that address
      }
      case "eth_getTransactionReceipt": {
        const hash = String(req.params?.[0] ?? "").toLowerCase();
        return reply(net.receipts.get(hash) ?? recorded.get(hash) ?? null);
      }
      default:
        return {
          jsonrpc: "2.0",
          id: req.id ?? null,
          error: { code: -32601, message: `the method ${req.method} does not exist/is not available` },
        };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
      } catch {
        return send(200, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
      }
      const path = new URL(req.url ?? "/", "http://stand-in").pathname;
      const control = /^\/__control\/net\/([\w.-]+)$/.exec(path);
      if (control && req.method === "POST") {
        const net = network(control[1] as string);
        const cmd = (body ?? {}) as {
          head?: string | number;
          advance?: number;
          receipts?: Receipt[];
          answerAs?: Record<string, Receipt>;
          finalizedLag?: number | null;
          safeLag?: number | null;
          contractWallets?: Record<string, ContractWallet>;
        };
        if (cmd.head !== undefined) net.head = BigInt(cmd.head);
        if (cmd.advance !== undefined) net.head += BigInt(cmd.advance);
        for (const r of cmd.receipts ?? []) net.receipts.set(r.transactionHash.toLowerCase(), r);
        for (const [hash, r] of Object.entries(cmd.answerAs ?? {})) net.receipts.set(hash.toLowerCase(), r);
        if (cmd.finalizedLag !== undefined) net.finalizedLag = cmd.finalizedLag === null ? undefined : BigInt(cmd.finalizedLag);
        for (const [address, w] of Object.entries(cmd.contractWallets ?? {})) net.contractWallets.set(address.toLowerCase(), w);
        if (cmd.safeLag !== undefined) net.safeLag = cmd.safeLag === null ? undefined : BigInt(cmd.safeLag);
        return send(200, { head: `0x${net.head.toString(16)}` });
      }
      const named = /^\/net\/([\w.-]+)$/.exec(path);
      if (req.method !== "POST" || (path !== "/" && !named)) return send(404, { error: "POST JSON-RPC to / or /net/<name>" });
      const net = network(named ? (named[1] as string) : "default");
      if (Array.isArray(body))
        return send(
          200,
          body.map((r) => answer(net, r as RpcRequest)),
        );
      return send(200, answer(net, (body ?? {}) as RpcRequest));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    /** Worker vars for the dev settings: the recorded Arbitrum transfer pays the treasury, fee ≤ its amount. */
    vars: {
      LIFECYCLE_RPC_URL: url,
      LIFECYCLE_CHAIN_ID: String(chainId),
      AUDITION_FEE_TOKEN: RECORDED_ARBITRUM_TRANSFER.token,
      AUDITION_FEE_TREASURY: RECORDED_ARBITRUM_TRANSFER.to,
      AUDITION_FEE_AMOUNT: "500000000",
      AUDITION_FEE_CONFIRMATIONS: "3",
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Save-time validation of a pipeline document: every problem at once, each with a code and the node or
 * edge it concerns, in a deterministic order. Pure: the registry snapshot is passed in. On success it
 * also returns the parsed nodes (configs with defaults applied) that the compiler consumes.
 * Every problem names its node or edge; a problem about a config field also carries `pointer`, the
 * RFC 6901 JSON Pointer of that field inside the node's config (`/blocks/2/channel`), so a builder can
 * mark the field. An invalid config gives one `invalid_node_config` per failing field.
 * Entitlement checks (capacity, model strength) need the compiled plan and live in pipeline.service.ts.
 */
import { ASSET_TAXONOMY, type Asset, CATEGORIES, isChannelOf, SourceSchema } from "../../market-data";
import {
  ALLOWED_EDGES,
  type AssetSelectionConfig,
  CONFIG_SCHEMAS,
  type ContextBlock,
  type DataStreamConfig,
  NODE_TYPES,
  type NodeType,
  type TradingPromptConfig,
} from "./configs.model";
import type { Graph, Layout, Problem } from "./graph.model";

export type ParsedNode =
  | { id: string; type: "data_stream"; config: DataStreamConfig }
  | { id: string; type: "asset_selection"; config: AssetSelectionConfig }
  | { id: string; type: "trading_prompt"; config: TradingPromptConfig };

export interface ParsedGraph {
  nodes: Map<string, ParsedNode>;
  /** Allowed edges between existing nodes, as (source, target) pairs. */
  edges: Array<{ id: string; source: string; target: string }>;
}

/** The registry snapshot validation and compilation read (every asset, delisted included). */
export type Registry = ReadonlyMap<string, Asset>;

/** RFC 6901: `~` -> `~0`, `/` -> `~1`, segments joined with `/` (the root is ""). */
export const jsonPointer = (path: ReadonlyArray<PropertyKey>) =>
  path.map((k) => `/${String(k).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");

const KNOWN_SUBCATEGORIES = new Set(Object.values(ASSET_TAXONOMY).flatMap((e) => e.subcategories));
const isCategory = (id: string) => Object.hasOwn(CATEGORIES, id);
const isNodeType = (t: string): t is NodeType => (NODE_TYPES as readonly string[]).includes(t);
const isAllowed = (s: NodeType, t: NodeType) => ALLOWED_EDGES.some(([a, b]) => a === s && b === t);

/** Scope kinds each DefiLlama channel reads (published in the catalog's `sources`). */
export const DEFILLAMA_SCOPES: Record<string, readonly string[]> = {
  tvl: ["global", "chain", "protocol"],
  stablecoins: ["global", "chain", "stablecoin"],
  dex_volume: ["global", "chain", "protocol"],
  fees: ["global", "chain", "protocol"],
  revenue: ["global", "chain", "protocol"],
  open_interest: ["global", "chain", "protocol"],
};
/** Target kind each Polymarket channel reads (published in the catalog's `sources`). */
export const POLYMARKET_TARGETS: Record<string, string> = { markets: "market", events: "event", prices: "market" };

/** Validates the whole document; `graph` is only returned when there is no problem. */
export function validatePipeline(graph: Graph, layout: Layout, registry: Registry): { problems: Problem[]; graph?: ParsedGraph } {
  const problems: Problem[] = [];
  const nodes = parseNodes(graph, problems);
  const edges = checkEdges(graph, nodes.types, problems);
  checkCycles(graph, nodes.types, problems);
  for (const [id, type] of nodes.types) {
    if (type === "trading_prompt" && !edges.some((e) => e.target === id && nodes.types.get(e.source) === "asset_selection")) {
      problems.push({ code: "missing_asset_selection", message: `trading prompt ${id} has no asset selection upstream`, nodeId: id });
    }
  }
  for (const node of nodes.parsed.values()) checkNodeConfig(node, registry, problems);
  checkLayout(layout, nodes.types, problems);
  return problems.length === 0 ? { problems, graph: { nodes: nodes.parsed, edges } } : { problems };
}

function parseNodes(graph: Graph, problems: Problem[]) {
  const types = new Map<string, NodeType | "unknown">();
  const parsed = new Map<string, ParsedNode>();
  for (const node of graph.nodes) {
    if (types.has(node.id)) {
      problems.push({ code: "duplicate_node_id", message: `node id ${node.id} is used more than once`, nodeId: node.id });
      continue;
    }
    if (!isNodeType(node.type)) {
      types.set(node.id, "unknown");
      problems.push({ code: "unknown_node_type", message: `node ${node.id} has unknown type "${node.type}"`, nodeId: node.id });
      continue;
    }
    types.set(node.id, node.type);
    const result = CONFIG_SCHEMAS[node.type].safeParse(node.config);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const pointer = jsonPointer(issue.path);
        problems.push({
          code: "invalid_node_config",
          message: `node ${node.id} (${node.type}) config ${pointer || "/"}: ${issue.message}`,
          nodeId: node.id,
          pointer,
        });
      }
      continue;
    }
    parsed.set(node.id, { id: node.id, type: node.type, config: result.data } as ParsedNode);
  }
  return { types, parsed };
}

function checkEdges(graph: Graph, types: Map<string, NodeType | "unknown">, problems: Problem[]) {
  const ids = new Set<string>();
  const pairs = new Set<string>();
  const allowed: ParsedGraph["edges"] = [];
  for (const edge of graph.edges) {
    if (ids.has(edge.id)) {
      problems.push({ code: "duplicate_edge_id", message: `edge id ${edge.id} is used more than once`, edgeId: edge.id });
      continue;
    }
    ids.add(edge.id);
    const s = types.get(edge.source);
    const t = types.get(edge.target);
    if (s === undefined || t === undefined) {
      const missing = s === undefined ? edge.source : edge.target;
      problems.push({ code: "dangling_edge", message: `edge ${edge.id} points at missing node ${missing}`, edgeId: edge.id });
      continue;
    }
    const pair = JSON.stringify([edge.source, edge.target]);
    if (pairs.has(pair)) {
      problems.push({ code: "duplicate_edge", message: `edge ${edge.id} repeats ${edge.source} -> ${edge.target}`, edgeId: edge.id });
      continue;
    }
    pairs.add(pair);
    if (s === "unknown" || t === "unknown") continue; // already reported on the node
    if (!isAllowed(s, t)) {
      problems.push({ code: "disallowed_edge", message: `edge ${edge.id}: ${s} -> ${t} is not an allowed v1 path`, edgeId: edge.id });
      continue;
    }
    allowed.push(edge);
  }
  return allowed;
}

/** Reports one `cycle` per back edge found by a depth-first walk over every edge between existing nodes. */
function checkCycles(graph: Graph, types: Map<string, unknown>, problems: Problem[]) {
  const out = new Map<string, Array<{ id: string; target: string }>>();
  for (const e of graph.edges) {
    if (!types.has(e.source) || !types.has(e.target)) continue;
    out.set(e.source, [...(out.get(e.source) ?? []), { id: e.id, target: e.target }]);
  }
  const state = new Map<string, "open" | "done">();
  const visit = (id: string): void => {
    state.set(id, "open");
    for (const e of out.get(id) ?? []) {
      const s = state.get(e.target);
      if (s === "open") {
        problems.push({ code: "cycle", message: `edge ${e.id} closes a cycle through node ${e.target}`, nodeId: e.target, edgeId: e.id });
      } else if (s === undefined) visit(e.target);
    }
    state.set(id, "done");
  };
  for (const id of [...types.keys()].sort()) if (!state.has(id)) visit(id);
}

/** `symbols` as [symbol, pointer] pairs; each one missing from the registry is an `unknown_symbol`. */
function checkSymbols(symbols: Iterable<[string, string]>, what: string, nodeId: string, registry: Registry, problems: Problem[]) {
  for (const [symbol, pointer] of symbols) {
    if (!registry.has(symbol)) {
      problems.push({ code: "unknown_symbol", message: `${what}: ${symbol} is not in the asset registry`, nodeId, pointer });
    }
  }
}
const listed = (field: string, values: readonly string[]) => values.map((v, i): [string, string] => [v, jsonPointer([field, i])]);
const keyed = (field: string, record: object) => Object.keys(record).map((k): [string, string] => [k, jsonPointer([field, k])]);

function checkNodeConfig(node: ParsedNode, registry: Registry, problems: Problem[]) {
  const id = node.id;
  if (node.type === "asset_selection") {
    for (const [c, pointer] of listed("highLevelCategories", node.config.highLevelCategories)) {
      if (!isCategory(c)) problems.push({ code: "unknown_category", message: `category ${c} is not in the taxonomy`, nodeId: id, pointer });
    }
    for (const [s, pointer] of listed("subcategories", node.config.subcategories)) {
      if (!KNOWN_SUBCATEGORIES.has(s))
        problems.push({ code: "unknown_subcategory", message: `subcategory ${s} is not in the taxonomy`, nodeId: id, pointer });
    }
    checkSymbols(
      listed("explicitlyEnabledSymbols", node.config.explicitlyEnabledSymbols),
      "explicitlyEnabledSymbols",
      id,
      registry,
      problems,
    );
    checkSymbols(
      listed("explicitlyDisabledSymbols", node.config.explicitlyDisabledSymbols),
      "explicitlyDisabledSymbols",
      id,
      registry,
      problems,
    );
  } else if (node.type === "trading_prompt") {
    checkSymbols(keyed("assetOverrides", node.config.assetOverrides), "assetOverrides", id, registry, problems);
  } else {
    checkDataStream(id, node.config, registry, problems);
  }
}

function checkDataStream(id: string, config: DataStreamConfig, registry: Registry, problems: Problem[]) {
  for (const [source, pointer] of keyed("sourcePolicy", config.sourcePolicy)) {
    if (!SourceSchema.safeParse(source).success) {
      problems.push({ code: "unsupported_source", message: `sourcePolicy names unknown source ${source}`, nodeId: id, pointer });
    }
  }
  for (const [c, pointer] of keyed("groupProfiles", config.groupProfiles)) {
    if (!isCategory(c))
      problems.push({ code: "unknown_category", message: `groupProfiles: category ${c} is not in the taxonomy`, nodeId: id, pointer });
  }
  checkSymbols(keyed("assetOverrides", config.assetOverrides), "assetOverrides", id, registry, problems);
  const blockIds = new Set<string>();
  config.blocks.forEach((block, i) => {
    if (blockIds.has(block.id)) {
      const pointer = jsonPointer(["blocks", i, "id"]);
      problems.push({ code: "duplicate_block_id", message: `block id ${block.id} is used more than once in ${id}`, nodeId: id, pointer });
    }
    blockIds.add(block.id);
    checkBlock(id, block, i, registry, problems);
  });
}

function checkBlock(id: string, block: ContextBlock, index: number, registry: Registry, problems: Problem[]) {
  const where = `block ${block.id}`;
  const at = (...path: string[]) => jsonPointer(["blocks", index, ...path]);
  const source = SourceSchema.safeParse(block.source);
  if (!source.success) {
    problems.push({ code: "unsupported_source", message: `${where}: unknown source ${block.source}`, nodeId: id, pointer: at("source") });
    return;
  }
  if (!isChannelOf(source.data, block.channel)) {
    const message = `${where}: ${block.source} has no channel ${block.channel}`;
    problems.push({ code: "unsupported_channel", message, nodeId: id, pointer: at("channel") });
    return;
  }
  if (source.data === "hyperliquid") {
    if (block.asset !== undefined) checkSymbols([[block.asset, at("asset")]], `${where} asset`, id, registry, problems);
  } else if (source.data === "defillama") {
    if (!block.scope) {
      problems.push({
        code: "missing_block_target",
        message: `${where}: a DefiLlama block needs a scope`,
        nodeId: id,
        pointer: at("scope"),
      });
    } else if (!DEFILLAMA_SCOPES[block.channel]?.includes(block.scope.kind)) {
      problems.push({
        code: "unsupported_scope",
        message: `${where}: channel ${block.channel} has no ${block.scope.kind} scope`,
        nodeId: id,
        pointer: at("scope", "kind"),
      });
    }
  } else if (!block.target) {
    const message = `${where}: a Polymarket block needs a market or event target`;
    problems.push({ code: "missing_block_target", message, nodeId: id, pointer: at("target") });
  } else if (POLYMARKET_TARGETS[block.channel] !== block.target.kind) {
    const want = POLYMARKET_TARGETS[block.channel];
    problems.push({
      code: "unsupported_target",
      message: `${where}: channel ${block.channel} reads a ${want}, not a ${block.target.kind}`,
      nodeId: id,
      pointer: at("target", "kind"),
    });
  }
}

function checkLayout(layout: Layout, types: Map<string, NodeType | "unknown">, problems: Problem[]) {
  for (const nodeId of Object.keys(layout.nodes ?? {})) {
    if (!types.has(nodeId)) problems.push({ code: "unknown_layout_node", message: `layout positions missing node ${nodeId}`, nodeId });
  }
  for (const nodeId of layout.strategyClone?.connectedPromptNodeIds ?? []) {
    if (types.get(nodeId) !== "trading_prompt") {
      problems.push({
        code: "layout_connection_not_prompt",
        message: `strategyClone.connectedPromptNodeIds names ${nodeId}, which is not a trading_prompt node`,
        nodeId,
      });
    }
  }
}

/**
 * Structure-only parse of a stored graph (validated when saved): configs with defaults and the allowed
 * edges. Registry-dependent checks are left out on purpose: the compiler records a skip reason for an
 * asset that changed since (delisted), instead of failing the read.
 */
export function parseGraph(graph: Graph): ParsedGraph {
  const scratch: Problem[] = [];
  const nodes = parseNodes(graph, scratch);
  return { nodes: nodes.parsed, edges: checkEdges(graph, nodes.types, scratch) };
}

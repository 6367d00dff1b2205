/**
 * The graph builder's catalog (`GET /api/v1/pipeline/catalog`): every node type with its config as a
 * JSON Schema generated from the zod schemas the save path parses with (`z.toJSONSchema`, input side, so
 * a field with a default is optional), the defaults, the allowed edges with their cardinality, the source
 * and channel vocabulary, the built-in profiles, and the limits of the caller's entitlement.
 * Invariant: the JSON Schemas accept exactly the configs `validatePipeline` parses without an
 * `invalid_node_config` (test/integration/strategy-catalog.test.ts checks it over generated configs).
 * Pure; the route passes the caller's entitlement. Labels and descriptions live on the zod fields
 * (configs.model.ts), so nothing here is written twice.
 */
import { z } from "@hono/zod-openapi";
import { z as zod } from "zod";
import { CATEGORIES, SOURCE_CHANNELS } from "../../market-data";
import type { Entitlement } from "../clones/clones.model";
import { MODELS, STRENGTH_TIERS } from "../clones/models.data";
import { ALLOWED_EDGES, BUILTIN_PROFILES, CANDIDATE_CAP_MAX, CONFIG_SCHEMAS, NODE_TYPES, type NodeType } from "./configs.model";
import { MAX_EDGES, MAX_NODES } from "./graph.model";
import { DEFILLAMA_SCOPES, POLYMARKET_TARGETS } from "./graph.validate";

/** Bumped when the catalog's shape (not its content) changes. */
export const CATALOG_VERSION = 1;

const NODE_LABELS: Record<NodeType, { label: string; description: string }> = {
  data_stream: {
    label: "Data stream",
    description: "What each decision reads: context blocks (market data, DefiLlama, Polymarket) and how much of each, by profile",
  },
  asset_selection: {
    label: "Asset selection",
    description: "Which assets are traded: categories, subcategories and explicit symbols (see GET /api/v1/assets)",
  },
  trading_prompt: {
    label: "Trading prompt",
    description: "One strategy: behaviour, decision cadence, candidate policy and coverage of the selected assets",
  },
};

/**
 * Cardinality of each allowed edge: any number of sources may feed a target and a source may feed any
 * number of targets; `minIncoming` is what a target needs (a prompt needs one selection upstream).
 */
const EDGE_RULES: Record<string, { minIncoming: number; description: string }> = {
  "data_stream->asset_selection": { minIncoming: 0, description: "The stream's blocks are read for every asset the selection decides" },
  "asset_selection->trading_prompt": { minIncoming: 1, description: "The prompt decides the union of its selections" },
};

const JsonObject = z.record(z.string(), z.unknown());

export const CatalogSchema = z
  .object({
    catalogVersion: z.number().int(),
    nodeTypes: z.array(
      z.object({
        type: z.enum(NODE_TYPES),
        label: z.string(),
        description: z.string(),
        configSchema: JsonObject.openapi({
          description:
            "JSON Schema (2020-12) of the config, input side; fields carry `title`, `description`, `default`; enums `x-enumLabels`",
        }),
        defaults: JsonObject.openapi({ description: "The config `{}` parses to: every default applied" }),
      }),
    ),
    edges: z.array(
      z.object({
        sourceType: z.enum(NODE_TYPES),
        targetType: z.enum(NODE_TYPES),
        maxPerSource: z.null().openapi({ description: "null: unbounded" }),
        maxPerTarget: z.null().openapi({ description: "null: unbounded" }),
        minIncoming: z.number().int().openapi({ description: "Edges of this kind a target needs" }),
        description: z.string(),
      }),
    ),
    graphRules: z.array(z.string()),
    sources: z.array(
      z.object({
        source: z.string(),
        channels: z.array(z.object({ channel: z.string(), needs: z.enum(["none", "scope", "target"]), kinds: z.array(z.string()) })),
      }),
    ),
    categories: z.array(z.object({ id: z.string(), label: z.string() })),
    profiles: JsonObject.openapi({ description: "Built-in profile definitions (the last level of the override precedence)" }),
    limits: z.object({
      maxNodes: z.number().int(),
      maxEdges: z.number().int(),
      maxBlocksPerStream: z.number().int(),
      maxDocumentBytes: z.number().int(),
      candidateCapMax: z.number().int(),
      maxActiveAssets: z
        .number()
        .int()
        .openapi({ description: "From the caller's entitlement: distinct assets enabled strategies may decide" }),
      maxModelStrength: z.number().int(),
      allowedModelStrengths: z.array(z.object({ strength: z.number().int(), tier: z.string() })),
      allowedModelIds: z.array(z.string()),
    }),
  })
  .openapi("PipelineCatalog");
export type Catalog = z.infer<typeof CatalogSchema>;

const schemaCache = new Map<NodeType, Record<string, unknown>>();

/** The config's JSON Schema, input side (what a client may send), generated once per isolate. */
export function configJsonSchema(type: NodeType): Record<string, unknown> {
  let schema = schemaCache.get(type);
  if (!schema) {
    schema = zod.toJSONSchema(CONFIG_SCHEMAS[type], { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
    schemaCache.set(type, schema);
  }
  return schema;
}

function channelNeeds(source: string, channel: string): Catalog["sources"][number]["channels"][number] {
  if (source === "defillama") return { channel, needs: "scope", kinds: [...(DEFILLAMA_SCOPES[channel] ?? [])] };
  if (source === "polymarket") return { channel, needs: "target", kinds: [POLYMARKET_TARGETS[channel] ?? "market"] };
  return { channel, needs: "none", kinds: [] };
}

/** The catalog for a caller with `entitlement`; `maxDocumentBytes` comes from the service (storage cap). */
export function buildCatalog(entitlement: Pick<Entitlement, "maxActiveAssets" | "maxModelStrength">, maxDocumentBytes: number): Catalog {
  return {
    catalogVersion: CATALOG_VERSION,
    nodeTypes: NODE_TYPES.map((type) => ({
      type,
      ...NODE_LABELS[type],
      configSchema: configJsonSchema(type),
      defaults: CONFIG_SCHEMAS[type].parse({}) as Record<string, unknown>,
    })),
    edges: ALLOWED_EDGES.map(([sourceType, targetType]) => {
      const rule = EDGE_RULES[`${sourceType}->${targetType}`] ?? { minIncoming: 0, description: "" };
      return { sourceType, targetType, maxPerSource: null, maxPerTarget: null, ...rule };
    }),
    graphRules: [
      "node ids are unique; edge ids are unique",
      "at most one edge per (source, target) pair",
      "no cycles",
      "every trading_prompt has at least one asset_selection upstream",
    ],
    sources: Object.entries(SOURCE_CHANNELS).map(([source, channels]) => ({
      source,
      channels: channels.map((channel) => channelNeeds(source, channel)),
    })),
    categories: Object.entries(CATEGORIES).map(([id, label]) => ({ id, label })),
    profiles: { ...BUILTIN_PROFILES },
    limits: {
      maxNodes: MAX_NODES,
      maxEdges: MAX_EDGES,
      maxBlocksPerStream: maxItemsOf(configJsonSchema("data_stream"), "blocks"),
      maxDocumentBytes,
      candidateCapMax: CANDIDATE_CAP_MAX,
      maxActiveAssets: entitlement.maxActiveAssets,
      maxModelStrength: entitlement.maxModelStrength,
      allowedModelStrengths: Object.entries(STRENGTH_TIERS)
        .map(([strength, tier]) => ({ strength: Number(strength), tier }))
        .filter((s) => s.strength <= entitlement.maxModelStrength),
      allowedModelIds: MODELS.filter((m) => m.strength <= entitlement.maxModelStrength).map((m) => m.id),
    },
  };
}

/** `maxItems` of a top-level array property: read from the generated schema so the limit is not restated. */
function maxItemsOf(schema: Record<string, unknown>, property: string): number {
  const props = schema.properties as Record<string, { maxItems?: number }> | undefined;
  return props?.[property]?.maxItems ?? 0;
}

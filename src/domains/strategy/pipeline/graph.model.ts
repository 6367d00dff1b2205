/**
 * The pipeline document: `{ version, graph: { nodes, edges }, layout }`. The wire shape is loose on
 * purpose (node type is any string, config any object) so that semantic problems are reported all at
 * once by graph.validate.ts with codes and node/edge ids; only a structurally broken body (not JSON,
 * wrong primitive types, over the size caps) is a 400. Layout is stored beside the graph and ignored by
 * the compiler and the context resolver. Callers: pipeline.routes.ts, pipeline.service.ts.
 */
import { z } from "@hono/zod-openapi";

const Id = z.string().min(1).max(64);

export const GraphNodeSchema = z
  .object({
    id: Id,
    type: z.string().min(1).max(40).openapi({ example: "data_stream", description: "data_stream | asset_selection | trading_prompt" }),
    config: z.record(z.string(), z.unknown()).default({}).openapi({ description: "Per-type config; every field has a default" }),
  })
  .openapi("PipelineNode");

export const GraphEdgeSchema = z.object({ id: Id, source: Id, target: Id }).openapi("PipelineEdge");

/** Structural caps of a graph (a larger body is a 400). */
export const MAX_NODES = 100;
export const MAX_EDGES = 300;

export const GraphSchema = z
  .object({
    nodes: z.array(GraphNodeSchema).max(MAX_NODES),
    edges: z.array(GraphEdgeSchema).max(MAX_EDGES),
  })
  .openapi("PipelineGraph");
export type Graph = z.infer<typeof GraphSchema>;
export type GraphNode = z.infer<typeof GraphNodeSchema>;

const Position = z.object({ x: z.number().finite(), y: z.number().finite() });

export const LayoutSchema = z
  .object({
    nodes: z.record(Id, Position).optional(),
    strategyClone: z
      .object({
        position: Position.optional(),
        /** Must name trading_prompt nodes of the graph. */
        connectedPromptNodeIds: z.array(Id).max(100).optional(),
      })
      .optional(),
  })
  .openapi("PipelineLayout");
export type Layout = z.infer<typeof LayoutSchema>;

export const PipelineBodySchema = z
  .object({
    version: z.number().int().min(0),
    graph: GraphSchema,
    layout: LayoutSchema.default({}),
  })
  .openapi("PipelineDocument");
export type PipelineBody = z.infer<typeof PipelineBodySchema>;

export const PROBLEM_CODES = [
  "duplicate_node_id",
  "duplicate_edge_id",
  "unknown_node_type",
  "invalid_node_config",
  "dangling_edge",
  "disallowed_edge",
  "duplicate_edge",
  "cycle",
  "missing_asset_selection",
  "unknown_symbol",
  "unknown_category",
  "unknown_subcategory",
  "duplicate_block_id",
  "unsupported_source",
  "unsupported_channel",
  "missing_block_target",
  "unsupported_scope",
  "unsupported_target",
  "unknown_layout_node",
  "layout_connection_not_prompt",
  "asset_capacity_exceeded",
  "model_strength_exceeded",
  "universe_overlap",
] as const;
export const ProblemCodeSchema = z.enum(PROBLEM_CODES);
export type ProblemCode = z.infer<typeof ProblemCodeSchema>;

export const ProblemSchema = z
  .object({
    code: ProblemCodeSchema,
    message: z.string(),
    nodeId: z.string().optional(),
    edgeId: z.string().optional(),
    pointer: z.string().optional().openapi({
      description:
        "RFC 6901 JSON Pointer of the offending field inside the node's config (e.g. `/blocks/0/channel`); absent when the problem is not about one field",
      example: "/blocks/0/channel",
    }),
  })
  .openapi("PipelineProblem");
export type Problem = z.infer<typeof ProblemSchema>;

export const EMPTY_GRAPH: Graph = { nodes: [], edges: [] };

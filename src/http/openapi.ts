/**
 * The API documents are generated from the zod route declarations. The client document holds every
 * client-facing route; admin and internal routes go to a separate document. `npm run openapi`
 * writes both to doc/openapi/; a test fails when the committed files differ from the generated ones.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { stringify } from "yaml";
import type { AppEnv } from "./app-env";

const OPERATOR_PREFIXES = ["/api/v1/admin", "/api/v1/internal"];

export type OpenApiDocument = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;

function baseDocument(app: OpenAPIHono<AppEnv>, title: string, description: string): OpenApiDocument {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title, version: "1.0.0", description },
    servers: [{ url: "http://127.0.0.1:8787", description: "local (npm start)" }],
    security: [{ bearerAuth: [] }],
  });
}

function keepPaths(doc: OpenApiDocument, keep: (path: string) => boolean): OpenApiDocument {
  const paths = Object.fromEntries(Object.entries(doc.paths ?? {}).filter(([path]) => keep(path)));
  return { ...doc, paths };
}

const isOperatorPath = (path: string) => OPERATOR_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

/** Both documents, as objects. */
export function openApiDocuments(app: OpenAPIHono<AppEnv>): { client: OpenApiDocument; operator: OpenApiDocument } {
  const full = baseDocument(app, "Clash Arena client API", "Client-facing routes of the Clash Arena backend.");
  const client = keepPaths(full, (p) => !isOperatorPath(p));
  const operatorFull = baseDocument(app, "Clash Arena operator API", "Admin (role admin) and internal (role service or admin) routes.");
  const operator = keepPaths(operatorFull, isOperatorPath);
  return { client, operator };
}

/** YAML text exactly as committed under doc/openapi/. */
export function openApiYaml(doc: OpenApiDocument): string {
  return stringify(doc, { lineWidth: 0, sortMapEntries: false });
}

/** The committed OpenAPI documents must equal what the code generates (run `npm run openapi`). */
import { describe, expect, it } from "vitest";
import client from "../../doc/openapi/client-api.openapi.yaml?raw";
import operator from "../../doc/openapi/operator-api.openapi.yaml?raw";
import { createApp } from "../../src/app";
import { openApiDocuments, openApiYaml } from "../../src/http/openapi";

describe("OpenAPI documents", () => {
  const docs = openApiDocuments(createApp());

  it("client-api.openapi.yaml is up to date", () => {
    expect(openApiYaml(docs.client), "stale: run `npm run openapi`").toBe(client);
  });

  it("operator-api.openapi.yaml is up to date", () => {
    expect(openApiYaml(docs.operator), "stale: run `npm run openapi`").toBe(operator);
  });

  it("every operation declares its responses and a summary", () => {
    for (const doc of [docs.client, docs.operator]) {
      for (const [path, item] of Object.entries(doc.paths ?? {})) {
        for (const op of Object.values(item ?? {}) as Array<{ summary?: string; responses?: object }>) {
          expect(op.summary, path).toBeTruthy();
          expect(Object.keys(op.responses ?? {}).length, path).toBeGreaterThan(0);
        }
      }
    }
  });
});

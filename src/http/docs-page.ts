/**
 * GET /docs: a self-contained, browsable reference rendered on the server from the same OpenAPI
 * document (no CDN scripts, so it works offline and under a strict CSP). Raw documents are served at
 * /docs/openapi.json and /docs/operator-openapi.json.
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

import type { OpenApiDocument } from "./openapi";

type Operation = {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function json(value: unknown) {
  return html`<pre>${JSON.stringify(value, null, 2)}</pre>`;
}

function operationBlock(method: string, path: string, op: Operation) {
  const isPublic = Array.isArray(op.security) && op.security.length === 0;
  const body = op.requestBody?.content?.["application/json"]?.schema;
  return html`<details class="op">
    <summary><span class="m ${method}">${method.toUpperCase()}</span> <code>${path}</code> ${op.summary ?? ""}
      ${isPublic ? html`<span class="pub">public</span>` : ""}</summary>
    ${
      op.parameters?.length
        ? html`<h4>Parameters</h4><ul>${op.parameters.map((p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ", required" : ""}) ${json(p.schema)}</li>`)}</ul>`
        : ""
    }
    ${body ? html`<h4>Request body</h4>${json(body)}` : ""}
    <h4>Responses</h4>
    <ul>${Object.entries(op.responses ?? {}).map(([status, r]) => html`<li><b>${status}</b> ${r.description ?? ""}${r.content?.["application/json"]?.schema ? json(r.content["application/json"].schema) : ""}</li>`)}</ul>
  </details>`;
}

/** Renders the reference page for one or more documents. */
export function renderDocsPage(docs: OpenApiDocument[], components: unknown): HtmlEscapedString | Promise<HtmlEscapedString> {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clash Arena API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:1100px}
.op{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.4rem .8rem}
.m{display:inline-block;min-width:4.5em;font-weight:600}.get{color:#1769aa}.post{color:#2e7d32}.put,.patch{color:#b26a00}.delete{color:#c62828}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:24rem}.pub{font-size:11px;background:#e8f5e9;padding:0 4px;border-radius:3px}
</style></head><body>
<h1>Clash Arena API reference</h1>
<p>Raw documents: <a href="/docs/openapi.json">client API (OpenAPI 3.1)</a> · <a href="/docs/operator-openapi.json">operator API</a>.
Authenticate with <code>Authorization: Bearer &lt;JWT&gt;</code>.</p>
${docs.map(
  (doc) => html`<section><h2>${doc.info.title}</h2><p>${doc.info.description ?? ""}</p>
  ${Object.entries(doc.paths ?? {}).flatMap(([path, item]) => {
    const ops = item as Partial<Record<(typeof METHODS)[number], Operation>>;
    return METHODS.flatMap((m) => (ops[m] ? [operationBlock(m, path, ops[m])] : []));
  })}
</section>`,
)}
<section><h2>Schemas</h2>${json(components)}</section>
</body></html>`;
}

/**
 * `npm run openapi`: writes the client and operator OpenAPI documents generated from the zod route
 * declarations to doc/openapi/. `--check` exits 1 when the committed files are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createApp } from "../app";
import { openApiDocuments, openApiYaml } from "../http/openapi";

const docs = openApiDocuments(createApp());
const files = {
  "doc/openapi/client-api.openapi.yaml": openApiYaml(docs.client),
  "doc/openapi/operator-api.openapi.yaml": openApiYaml(docs.operator),
};
const check = process.argv.includes("--check");
let stale = false;
for (const [path, text] of Object.entries(files)) {
  if (check) {
    const current = (() => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return "";
      }
    })();
    if (current !== text) {
      console.error(`stale: ${path} (run npm run openapi)`);
      stale = true;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale ? 1 : 0);

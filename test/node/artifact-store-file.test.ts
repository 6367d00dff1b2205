/**
 * The artifact store contract in Node: the file adapter Node CLIs use (src/cli/lib/artifact-store.file.ts)
 * in a fresh temporary directory, and the memory adapter.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileArtifactStore } from "../../src/cli/lib/artifact-store.file";
import { memoryArtifactStore } from "../../src/domains/artifacts/artifacts.model";
import { describeArtifactContract } from "../support/artifact-contract";

let root = "";
describeArtifactContract(
  "file",
  async () => {
    root = await mkdtemp(join(tmpdir(), "artifacts-"));
    return fileArtifactStore(root);
  },
  async (key) => {
    const gz = new Response(new Response("tampered").body?.pipeThrough(new CompressionStream("gzip")));
    await writeFile(join(root, `${key}.gz`), new Uint8Array(await gz.arrayBuffer()));
  },
);
describeArtifactContract("memory (node)", () => memoryArtifactStore());

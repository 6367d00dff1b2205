/**
 * File adapter for Node CLIs (not the Worker): `<root>/<key>.gz` plus a `.json` head beside it. Writes
 * go to a temporary name and are renamed into place, so a reader never sees a half-written object.
 * Lives under src/cli (Node only, node:fs); the Worker uses the R2 or S3 adapters.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type ArtifactHead, type ArtifactStore, prepare, unpack } from "../../domains/artifacts";

async function readHead(root: string, key: string): Promise<ArtifactHead | null> {
  try {
    return JSON.parse(await readFile(join(root, `${key}.json`), "utf8")) as ArtifactHead;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

async function writeAtomically(path: string, data: Uint8Array | string) {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export function fileArtifactStore(root: string): ArtifactStore {
  return {
    async put(content, options) {
      const { head, stored } = await prepare(content, options?.contentType);
      const existing = await readHead(root, head.key);
      if (existing) return existing;
      await writeAtomically(join(root, `${head.key}.gz`), stored);
      await writeAtomically(join(root, `${head.key}.json`), JSON.stringify(head));
      return head;
    },
    async get(key) {
      const head = await readHead(root, key);
      if (!head) return null;
      return unpack(head, new Uint8Array(await readFile(join(root, `${key}.gz`))));
    },
    head: (key) => readHead(root, key),
  };
}

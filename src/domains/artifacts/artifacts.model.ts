/**
 * The artifact store's one interface: content-addressed, gzip-compressed, immutable blobs (full
 * prompts, packets, model responses). The key is derived from the SHA-256 of the *uncompressed*
 * content, so a put is idempotent under retries and two writers of the same content agree on the key;
 * gzip is a storage detail every adapter applies the same way. D1 keeps only keys and hashes (the owner
 * index, artifacts.tables.ts). Adapters: memory, file (Node CLIs), R2, S3-compatible (SigV4).
 */
import { digestSha256Hex } from "../../core/sha256";

export const ARTIFACT_PREFIX = "artifacts/sha256/";

export interface ArtifactHead {
  key: string;
  sha256: string;
  /** Uncompressed size. */
  bytes: number;
  /** Stored (gzip) size. */
  storedBytes: number;
  contentType: string;
}

export interface ArtifactStore {
  /** Stores `content` (idempotent: the same content returns the same key and writes nothing new). */
  put(content: Uint8Array | string, options?: { contentType?: string }): Promise<ArtifactHead>;
  /** The uncompressed content, or null when absent. Throws when stored bytes do not match the key's hash. */
  get(key: string): Promise<{ head: ArtifactHead; content: Uint8Array } | null>;
  head(key: string): Promise<ArtifactHead | null>;
  /**
   * Deletes blobs (retention pruning; callers delete only keys no owner links any more). Optional:
   * an adapter without it keeps its blobs and the pruner reports them as kept.
   */
  delete?(keys: string[]): Promise<void>;
}

/** `artifacts/sha256/<2 hex>/<64 hex>`: the fan-out prefix keeps listings of one directory small. */
export const artifactKey = (sha256: string) => `${ARTIFACT_PREFIX}${sha256.slice(0, 2)}/${sha256}`;

/** The hash a key names, or null for a key outside the scheme. */
export function hashOfKey(key: string): string | null {
  const m = /^artifacts\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(key);
  return m?.[2]?.startsWith(m[1] as string) ? (m[2] as string) : null;
}

const toBytes = (content: Uint8Array | string) => (typeof content === "string" ? new TextEncoder().encode(content) : content);

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Response(bytes).body;
  if (!body) return new Uint8Array();
  return new Uint8Array(await new Response(body.pipeThrough(stream)).arrayBuffer());
}
export const gzip = (bytes: Uint8Array) => pipe(bytes, new CompressionStream("gzip"));
export const gunzip = (bytes: Uint8Array) => pipe(bytes, new DecompressionStream("gzip"));

/** What every adapter does before writing: hash, key, compress. */
export async function prepare(content: Uint8Array | string, contentType = "application/octet-stream") {
  const raw = toBytes(content);
  const sha256 = await digestSha256Hex(raw);
  const stored = await gzip(raw);
  const head: ArtifactHead = { key: artifactKey(sha256), sha256, bytes: raw.byteLength, storedBytes: stored.byteLength, contentType };
  return { head, stored };
}

/** What every adapter does after reading: decompress and check the content against the key. */
export async function unpack(head: ArtifactHead, stored: Uint8Array): Promise<{ head: ArtifactHead; content: Uint8Array }> {
  const content = await gunzip(stored);
  const actual = await digestSha256Hex(content);
  if (actual !== head.sha256) throw new Error(`artifact ${head.key} is corrupt: content hashes to ${actual}`);
  return { head, content };
}

/** In-memory adapter (tests, one-shot CLIs). */
export function memoryArtifactStore(): ArtifactStore & { size(): number } {
  const objects = new Map<string, { head: ArtifactHead; stored: Uint8Array }>();
  return {
    async put(content, options) {
      const { head, stored } = await prepare(content, options?.contentType);
      const existing = objects.get(head.key);
      if (existing) return existing.head;
      objects.set(head.key, { head, stored });
      return head;
    },
    async get(key) {
      const o = objects.get(key);
      return o ? unpack(o.head, o.stored) : null;
    },
    async head(key) {
      return objects.get(key)?.head ?? null;
    },
    async delete(keys) {
      for (const key of keys) objects.delete(key);
    },
    size: () => objects.size,
  };
}

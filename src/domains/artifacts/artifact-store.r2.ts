/**
 * R2 adapter (`ARTIFACTS` binding). The object's custom metadata carries the hash and the uncompressed
 * size so `head` needs no body; an existing key is not rewritten (content-addressed, so it is equal).
 */
import { type ArtifactHead, type ArtifactStore, hashOfKey, prepare, unpack } from "./artifacts.model";

function headOf(key: string, o: R2Object): ArtifactHead | null {
  const sha256 = o.customMetadata?.sha256 ?? hashOfKey(key);
  if (!sha256) return null;
  return {
    key,
    sha256,
    bytes: Number(o.customMetadata?.bytes ?? 0),
    storedBytes: o.size,
    contentType: o.customMetadata?.contentType ?? "application/octet-stream",
  };
}

export function r2ArtifactStore(bucket: R2Bucket): ArtifactStore {
  return {
    async put(content, options) {
      const { head, stored } = await prepare(content, options?.contentType);
      const existing = await bucket.head(head.key);
      if (existing) return headOf(head.key, existing) ?? head;
      await bucket.put(head.key, stored, {
        httpMetadata: { contentType: "application/gzip" },
        customMetadata: { sha256: head.sha256, bytes: String(head.bytes), contentType: head.contentType },
        // R2 verifies the upload against this checksum of the stored (gzip) bytes.
        sha256: await crypto.subtle.digest("SHA-256", stored),
      });
      return head;
    },
    async get(key) {
      const o = await bucket.get(key);
      if (!o) return null;
      const head = headOf(key, o);
      if (!head) return null;
      return unpack(head, new Uint8Array(await o.arrayBuffer()));
    },
    async head(key) {
      const o = await bucket.head(key);
      return o ? headOf(key, o) : null;
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000)); // R2: 1,000 keys per call
    },
  };
}

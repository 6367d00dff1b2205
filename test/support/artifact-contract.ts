/**
 * The artifact store contract, run against every adapter (memory and R2 and S3 inside workerd, file
 * and memory in Node): content-addressed keys, round trip of bytes and text, idempotent puts, head
 * without body, absent keys, gzip actually applied, and corruption detected on read.
 */
import { describe, expect, it } from "vitest";
import type { ArtifactStore } from "../../src/domains/artifacts/artifacts.model";

const EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const ABC_SHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

export function describeArtifactContract(
  name: string,
  make: () => ArtifactStore | Promise<ArtifactStore>,
  /** Overwrites the stored (gzip) bytes of `key`, when the adapter's storage is reachable. */
  corrupt?: (key: string) => Promise<void>,
) {
  describe(`artifact store contract: ${name}`, () => {
    it("keys content by the SHA-256 of its uncompressed bytes and round-trips it", async () => {
      const store = await make();
      const head = await store.put("abc", { contentType: "text/plain" });
      expect(head).toMatchObject({ key: `artifacts/sha256/ba/${ABC_SHA}`, sha256: ABC_SHA, bytes: 3, contentType: "text/plain" });
      const got = await store.get(head.key);
      expect(new TextDecoder().decode(got?.content)).toBe("abc");
      expect(got?.head.sha256).toBe(ABC_SHA);
      const empty = await store.put(new Uint8Array());
      expect(empty.sha256).toBe(EMPTY_SHA);
      expect((await store.get(empty.key))?.content.byteLength).toBe(0);
    });

    it("stores gzip and answers head without the body", async () => {
      const store = await make();
      const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, close: 94_000 + (i % 17) })));
      const head = await store.put(big, { contentType: "application/json" });
      expect(head.storedBytes).toBeLessThan(head.bytes / 4);
      expect(await store.head(head.key)).toMatchObject({
        key: head.key,
        sha256: head.sha256,
        bytes: head.bytes,
        contentType: "application/json",
      });
      expect(new TextDecoder().decode((await store.get(head.key))?.content)).toBe(big);
    });

    it("is idempotent: the same content twice is one object with one key", async () => {
      const store = await make();
      const bytes = new Uint8Array([1, 2, 3, 250]);
      const a = await store.put(bytes);
      const b = await store.put(bytes.slice());
      expect(b.key).toBe(a.key);
      expect(Array.from((await store.get(a.key))?.content ?? [])).toEqual([1, 2, 3, 250]);
    });

    it("answers null for absent keys", async () => {
      const store = await make();
      const missing = `artifacts/sha256/00/${"0".repeat(64)}`;
      expect(await store.get(missing)).toBeNull();
      expect(await store.head(missing)).toBeNull();
    });

    if (corrupt) {
      it("refuses content that no longer matches its key", async () => {
        const store = await make();
        const head = await store.put("to be corrupted");
        await corrupt(head.key);
        await expect(store.get(head.key)).rejects.toThrow(/corrupt/);
      });
    }
  });
}

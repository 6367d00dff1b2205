/**
 * The artifact store contract inside workerd: the memory adapter, the R2 adapter over the real local
 * `ARTIFACTS` bucket, and the S3 adapter against a local S3 stand-in (path-style PUT/GET/HEAD that
 * insists on a SigV4 Authorization header and a payload hash matching the body). Plus the settings
 * that choose an adapter per environment.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { digestSha256Hex } from "../../src/core/sha256";
import { artifactStoreFor, memoryArtifactStore, r2ArtifactStore, s3ArtifactStore } from "../../src/domains/artifacts";
import { describeArtifactContract } from "../support/artifact-contract";

describeArtifactContract("memory", () => memoryArtifactStore());

describeArtifactContract(
  "r2",
  () => r2ArtifactStore(env.ARTIFACTS),
  async (key) => {
    const o = await env.ARTIFACTS.head(key);
    const gz = new Response(new Response("tampered").body?.pipeThrough(new CompressionStream("gzip")));
    await env.ARTIFACTS.put(key, await gz.arrayBuffer(), { customMetadata: o?.customMetadata });
  },
);

/** A minimal S3 stand-in: objects with their x-amz-meta-* headers, SigV4 header required. */
function s3StandIn() {
  const objects = new Map<string, { body: Uint8Array; meta: Record<string, string> }>();
  const requests: string[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    requests.push(`${req.method} ${url.pathname}`);
    const auth = req.headers.get("authorization") ?? "";
    if (!/^AWS4-HMAC-SHA256 Credential=KEY\/\d{8}\/auto\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.test(auth)) {
      return new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 });
    }
    const key = url.pathname;
    if (req.method === "PUT") {
      const body = new Uint8Array(await req.arrayBuffer());
      if (req.headers.get("x-amz-content-sha256") !== (await digestSha256Hex(body)))
        return new Response("bad payload hash", { status: 400 });
      const meta: Record<string, string> = {};
      req.headers.forEach((v, k) => {
        if (k.startsWith("x-amz-meta-")) meta[k] = v;
      });
      objects.set(key, { body, meta });
      return new Response(null, { status: 200 });
    }
    const o = objects.get(key);
    if (!o) return new Response(null, { status: 404 });
    const headers = { ...o.meta, "content-length": String(o.body.byteLength) };
    return new Response(req.method === "HEAD" ? null : o.body, { status: 200, headers });
  }) as typeof fetch;
  return { fetchImpl, objects, requests };
}

const standIn = s3StandIn();
const s3Settings = { endpoint: "https://s3.test", bucket: "arena", region: "auto", accessKeyId: "KEY", secretAccessKey: "SECRET" };
describeArtifactContract(
  "s3 (local stand-in)",
  () => s3ArtifactStore(s3Settings, standIn.fetchImpl),
  async (key) => {
    const o = standIn.objects.get(`/arena/${key}`);
    if (o)
      o.body = new Uint8Array(await new Response(new Response("tampered").body?.pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
  },
);

describe("s3 adapter requests", () => {
  it("uses path-style URLs and fails loudly on a refused signature", async () => {
    const store = s3ArtifactStore(s3Settings, standIn.fetchImpl);
    const head = await store.put("path style");
    expect(standIn.requests).toContain(`PUT /arena/${head.key}`);
    const denied = s3ArtifactStore({ ...s3Settings, accessKeyId: "OTHER" }, standIn.fetchImpl);
    await expect(denied.put("x")).rejects.toThrow(/HTTP 403/);
  });
});

describe("artifactStoreFor", () => {
  it("chooses R2 by default, memory or S3 by settings, and refuses incomplete S3 settings", async () => {
    const r2 = artifactStoreFor({ ARTIFACTS: env.ARTIFACTS });
    const head = await r2.put("chosen by settings");
    expect(await env.ARTIFACTS.head(head.key)).not.toBeNull();
    const mem = artifactStoreFor({ ARTIFACTS: env.ARTIFACTS, ARTIFACT_STORE: "memory" });
    expect(await mem.head(head.key)).toBeNull();
    expect(() => artifactStoreFor({ ARTIFACT_STORE: "s3", ARTIFACT_S3_ENDPOINT: "https://s3.test" })).toThrow(/ARTIFACT_S3_BUCKET/);
    expect(() => artifactStoreFor({ ARTIFACT_STORE: "ftp" })).toThrow(/invalid artifact store settings/);
    const s3 = artifactStoreFor({
      ARTIFACT_STORE: "s3",
      ARTIFACT_S3_ENDPOINT: "https://s3.test",
      ARTIFACT_S3_BUCKET: "arena",
      ARTIFACT_S3_ACCESS_KEY_ID: "KEY",
      ARTIFACT_S3_SECRET_ACCESS_KEY: "SECRET",
    });
    expect(s3).toBeDefined();
  });
});

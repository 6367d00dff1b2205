/**
 * S3-compatible adapter (AWS S3, MinIO, R2's S3 endpoint): path-style URLs `<endpoint>/<bucket>/<key>`,
 * every request signed with SigV4 by `aws4fetch` (a maintained signer; test/unit/artifact-s3-sigv4.test.ts
 * checks it against AWS's published vectors). Metadata travels as `x-amz-meta-*` headers so `head`
 * needs no body. `fetch` is injectable so the adapter contract runs against a local stand-in.
 */

import { AwsClient } from "aws4fetch";
import { digestSha256Hex } from "../../core/sha256";
import { type ArtifactHead, type ArtifactStore, hashOfKey, prepare, unpack } from "./artifacts.model";

export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function headOf(key: string, res: Response): ArtifactHead | null {
  const sha256 = res.headers.get("x-amz-meta-sha256") ?? hashOfKey(key);
  if (!sha256) return null;
  return {
    key,
    sha256,
    bytes: Number(res.headers.get("x-amz-meta-bytes") ?? 0),
    storedBytes: Number(res.headers.get("content-length") ?? 0),
    contentType: res.headers.get("x-amz-meta-content-type") ?? "application/octet-stream",
  };
}

export function s3ArtifactStore(settings: S3Settings, fetchImpl: typeof fetch = fetch): ArtifactStore {
  const client = new AwsClient({
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    region: settings.region,
    service: "s3",
    retries: 0,
  });
  const url = (key: string) => `${settings.endpoint.replace(/\/$/, "")}/${settings.bucket}/${key}`;
  const send = async (key: string, init: RequestInit) => fetchImpl(await client.sign(url(key), init));
  const check = (res: Response, what: string) => {
    if (!res.ok && res.status !== 404) throw new Error(`S3 ${what} failed with HTTP ${res.status}`);
  };
  const head = async (key: string) => {
    const res = await send(key, { method: "HEAD" });
    check(res, `HEAD ${key}`);
    return res.status === 404 ? null : headOf(key, res);
  };
  return {
    async put(content, options) {
      const prepared = await prepare(content, options?.contentType);
      const existing = await head(prepared.head.key);
      if (existing) return existing;
      const res = await send(prepared.head.key, {
        method: "PUT",
        body: prepared.stored,
        headers: {
          "content-type": "application/gzip",
          // Signed payload hash (aws4fetch would send UNSIGNED-PAYLOAD): the server checks the body.
          "x-amz-content-sha256": await digestSha256Hex(prepared.stored),
          "x-amz-meta-sha256": prepared.head.sha256,
          "x-amz-meta-bytes": String(prepared.head.bytes),
          "x-amz-meta-content-type": prepared.head.contentType,
        },
      });
      check(res, `PUT ${prepared.head.key}`);
      if (res.status === 404) throw new Error(`S3 bucket ${settings.bucket} not found`);
      return prepared.head;
    },
    async get(key) {
      const res = await send(key, { method: "GET" });
      check(res, `GET ${key}`);
      if (res.status === 404) return null;
      const h = headOf(key, res);
      if (!h) return null;
      const stored = new Uint8Array(await res.arrayBuffer());
      return unpack({ ...h, storedBytes: stored.byteLength }, stored);
    },
    head,
  };
}

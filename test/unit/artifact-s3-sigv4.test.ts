/**
 * SigV4 signing as the S3 adapter does it (aws4fetch), checked against AWS's published vectors in
 * test/fixtures/aws-sigv4/vectors.json (origin recorded there).
 */
import { AwsV4Signer } from "aws4fetch";
import { describe, expect, it } from "vitest";
import fixture from "../fixtures/aws-sigv4/vectors.json";

describe("SigV4 published vectors", () => {
  it.each(fixture.vectors.map((v) => [v.name, v] as const))("%s", async (_name, v) => {
    const signer = new AwsV4Signer({
      url: v.request.url,
      method: v.request.method,
      headers: v.request.headers as Record<string, string>,
      accessKeyId: v.credentials.accessKeyId,
      secretAccessKey: v.credentials.secretAccessKey,
      region: v.region,
      service: v.service,
      datetime: v.datetime,
    });
    const signed = await signer.sign();
    expect(signed.headers.get("authorization")).toBe(v.authorization);
  });

  it("a changed secret does not reproduce the vector", async () => {
    const v = fixture.vectors[0] as (typeof fixture.vectors)[number];
    const signed = await new AwsV4Signer({
      ...v.request,
      headers: v.request.headers as Record<string, string>,
      ...v.credentials,
      secretAccessKey: "x",
      region: v.region,
      service: v.service,
      datetime: v.datetime,
    }).sign();
    expect(signed.headers.get("authorization")).not.toBe(v.authorization);
  });
});

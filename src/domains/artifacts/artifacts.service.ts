/**
 * Artifact use cases: choose the store per environment, and store an owner's artifacts then index
 * them. Blobs are written first (idempotent, content-addressed), then every link row in one D1 batch:
 * a failure between the two leaves unreferenced blobs (harmless, equal content) but never a link to a
 * missing blob. Callers: the context domain, the decision runtime.
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { inJsonList } from "../../db/json-upsert";
import { r2ArtifactStore } from "./artifact-store.r2";
import { s3ArtifactStore } from "./artifact-store.s3";
import { type ArtifactHead, type ArtifactStore, memoryArtifactStore } from "./artifacts.model";
import { type ArtifactLinkRow, artifactLinks } from "./artifacts.tables";

/** Settings: `ARTIFACT_STORE` = r2 (default, the `ARTIFACTS` binding) | s3 | memory; S3 needs the `ARTIFACT_S3_*` settings. */
export const ArtifactSettingsSchema = z.discriminatedUnion("ARTIFACT_STORE", [
  z.object({ ARTIFACT_STORE: z.literal("r2") }),
  z.object({ ARTIFACT_STORE: z.literal("memory") }),
  z.object({
    ARTIFACT_STORE: z.literal("s3"),
    ARTIFACT_S3_ENDPOINT: z.url(),
    ARTIFACT_S3_BUCKET: z.string().min(1),
    ARTIFACT_S3_REGION: z.string().min(1).default("auto"),
    ARTIFACT_S3_ACCESS_KEY_ID: z.string().min(1),
    ARTIFACT_S3_SECRET_ACCESS_KEY: z.string().min(1),
  }),
]);

/** The artifact store this environment's settings choose (throws on a bad setting: a deploy error). */
export function artifactStoreFor(env: { ARTIFACTS?: R2Bucket } & Record<string, unknown>): ArtifactStore {
  const parsed = ArtifactSettingsSchema.safeParse({ ...env, ARTIFACT_STORE: env.ARTIFACT_STORE || "r2" });
  if (!parsed.success) throw new Error(`invalid artifact store settings: ${z.prettifyError(parsed.error)}`);
  const s = parsed.data;
  if (s.ARTIFACT_STORE === "memory") return memoryArtifactStore();
  if (s.ARTIFACT_STORE === "s3") {
    return s3ArtifactStore({
      endpoint: s.ARTIFACT_S3_ENDPOINT,
      bucket: s.ARTIFACT_S3_BUCKET,
      region: s.ARTIFACT_S3_REGION,
      accessKeyId: s.ARTIFACT_S3_ACCESS_KEY_ID,
      secretAccessKey: s.ARTIFACT_S3_SECRET_ACCESS_KEY,
    });
  }
  if (!env.ARTIFACTS) throw new Error("ARTIFACT_STORE=r2 needs the ARTIFACTS R2 binding");
  return r2ArtifactStore(env.ARTIFACTS);
}

export interface ArtifactOwner {
  kind: string;
  id: string;
}

/** Puts each `(role, content)` and links them to `owner` in one batch; returns the heads by role. */
export async function storeOwnedArtifacts(
  db: Db,
  store: ArtifactStore,
  owner: ArtifactOwner,
  items: ReadonlyArray<{ role: string; content: string | Uint8Array; contentType?: string }>,
  nowMs: number,
): Promise<Record<string, ArtifactHead>> {
  const heads: Record<string, ArtifactHead> = {};
  for (const item of items) heads[item.role] = await store.put(item.content, { contentType: item.contentType });
  const rows = Object.entries(heads).map(([role, h]) => ({
    ownerKind: owner.kind,
    ownerId: owner.id,
    role,
    artifactKey: h.key,
    sha256: h.sha256,
    bytes: h.bytes,
    storedBytes: h.storedBytes,
    contentType: h.contentType,
    createdAtMs: nowMs,
  }));
  if (rows.length > 0) {
    const [first, ...rest] = rows.map((row) =>
      db
        .insert(artifactLinks)
        .values(row)
        .onConflictDoUpdate({
          target: [artifactLinks.ownerKind, artifactLinks.ownerId, artifactLinks.role],
          set: {
            artifactKey: row.artifactKey,
            sha256: row.sha256,
            bytes: row.bytes,
            storedBytes: row.storedBytes,
            contentType: row.contentType,
          },
        }),
    );
    // biome-ignore lint/style/noNonNullAssertion: rows is non-empty here
    await db.batch([first!, ...rest]);
  }
  return heads;
}

/**
 * Retention: drops every link of `ownerIds` (one owner kind), then deletes from the store the blobs no
 * owner links any more. Links go first, so a failure leaves at worst an unlinked blob (swept by a later
 * release of another owner, or harmless) and never a link to a deleted blob. A writer that re-stores
 * the same content between the link check and the delete would link a deleted blob: content-addressed
 * blobs of runs past retention (prompts carry their time) make that practically impossible.
 */
export async function releaseOwnedArtifacts(
  db: Db,
  store: ArtifactStore,
  ownerKind: string,
  ownerIds: string[],
): Promise<{ links: number; blobsDeleted: number; blobsKept: number }> {
  if (ownerIds.length === 0) return { links: 0, blobsDeleted: 0, blobsKept: 0 };
  const owned = and(eq(artifactLinks.ownerKind, ownerKind), inJsonList(artifactLinks.ownerId, ownerIds));
  const links = await db.select({ key: artifactLinks.artifactKey }).from(artifactLinks).where(owned);
  if (links.length === 0) return { links: 0, blobsDeleted: 0, blobsKept: 0 };
  await db.delete(artifactLinks).where(owned);
  const keys = [...new Set(links.map((l) => l.key))];
  const still = new Set(
    (await db.select({ key: artifactLinks.artifactKey }).from(artifactLinks).where(inJsonList(artifactLinks.artifactKey, keys))).map(
      (l) => l.key,
    ),
  );
  const orphans = keys.filter((k) => !still.has(k));
  if (!store.delete) return { links: links.length, blobsDeleted: 0, blobsKept: orphans.length };
  await store.delete(orphans);
  return { links: links.length, blobsDeleted: orphans.length, blobsKept: 0 };
}

/** An owner's artifact links, by role. */
export async function artifactsOf(db: Db, owner: ArtifactOwner): Promise<ArtifactLinkRow[]> {
  return db
    .select()
    .from(artifactLinks)
    .where(and(eq(artifactLinks.ownerKind, owner.kind), eq(artifactLinks.ownerId, owner.id)))
    .orderBy(artifactLinks.role);
}

/**
 * The artifact store's import surface: the one interface, the adapters a Worker can use, the
 * per-environment choice and the owner index. The file adapter (Node only) lives in
 * src/cli/lib/artifact-store.file.ts.
 */
export { r2ArtifactStore } from "./artifact-store.r2";
export { type S3Settings, s3ArtifactStore } from "./artifact-store.s3";
export {
  ARTIFACT_PREFIX,
  type ArtifactHead,
  type ArtifactStore,
  artifactKey,
  hashOfKey,
  memoryArtifactStore,
  prepare,
  unpack,
} from "./artifacts.model";
export {
  type ArtifactOwner,
  ArtifactSettingsSchema,
  artifactStoreFor,
  artifactsOf,
  releaseOwnedArtifacts,
  storeOwnedArtifacts,
} from "./artifacts.service";
export { type ArtifactLinkRow, artifactLinks } from "./artifacts.tables";

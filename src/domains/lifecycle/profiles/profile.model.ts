/**
 * Public clone profiles, pure: field rules, display-name normalization and the moderation transition
 * table.
 *
 * Display names are compared after Unicode NFKC normalization (so a full-width "Ａ" or a ligature "ﬁ"
 * equals its plain form), whitespace collapsing and lowercasing: `nameKey`. Avatars must be https URLs
 * of at most AVATAR_MAX_LENGTH characters (no http, data: or javascript: URLs reach a client).
 */
import { z } from "@hono/zod-openapi";
import { defineTransitions } from "../../../core/transitions";

export const AVATAR_MAX_LENGTH = 512;
export const NAME_MIN = 3;
export const NAME_MAX = 40;

/** NFKC, trimmed, inner whitespace collapsed: the display form that is stored. */
export function normalizeDisplayName(raw: string): string {
  return raw.normalize("NFKC").trim().replace(/\s+/gu, " ");
}

/** The uniqueness key of a display name (case-insensitive after normalization). */
export function nameKey(displayName: string): string {
  return normalizeDisplayName(displayName).toLowerCase().normalize("NFKC");
}

const DisplayName = z
  .string()
  .transform(normalizeDisplayName)
  .pipe(
    z
      .string()
      .min(NAME_MIN)
      .max(NAME_MAX)
      .refine((s) => !/[\p{C}]/u.test(s), "no control or invisible format characters"),
  );

const AvatarUrl = z
  .string()
  .max(AVATAR_MAX_LENGTH)
  .refine((s) => {
    try {
      return new URL(s).protocol === "https:";
    } catch {
      return false;
    }
  }, "an https URL");

export const ProfileInputSchema = z
  .object({
    displayName: DisplayName.openapi({ type: "string", description: `${NAME_MIN}–${NAME_MAX} characters after NFKC normalization` }),
    avatarUrl: AvatarUrl.nullable()
      .default(null)
      .openapi({ type: "string", description: `https only, at most ${AVATAR_MAX_LENGTH} characters` }),
    bio: z.string().trim().max(500).default(""),
    strategySummary: z.string().trim().max(1000).default(""),
  })
  .openapi("ProfileInput");
export type ProfileInput = z.infer<typeof ProfileInputSchema>;

export const ProfileStatusSchema = z.enum(["pending", "approved", "rejected"]);
export type ProfileStatus = z.infer<typeof ProfileStatusSchema>;
export type ModerationEvent = "approve" | "reject" | "supersede";

/** A newer submission supersedes a pending version (it becomes rejected with reason `superseded`). */
export const MODERATION_TRANSITIONS = defineTransitions<ProfileStatus, ModerationEvent>({
  pending: { approve: "approved", reject: "rejected", supersede: "rejected" },
  approved: {},
  rejected: {},
});

/** The fields every profile view shows. */
const ProfileFields = {
  cloneId: z.string(),
  version: z.number().int(),
  displayName: z.string(),
  avatarUrl: z.string().nullable(),
  bio: z.string(),
  strategySummary: z.string(),
};

export const ProfileVersionSchema = z
  .object({
    id: z.string(),
    ...ProfileFields,
    status: ProfileStatusSchema,
    reason: z.string().nullable(),
    submittedBy: z.string(),
    submittedAtMs: z.number().int(),
    moderatedBy: z.string().nullable(),
    moderatedAtMs: z.number().int().nullable(),
  })
  .openapi("ProfileVersion");
export type ProfileVersion = z.infer<typeof ProfileVersionSchema>;

/** What anyone with a valid token sees: the last approved version, without moderation internals. */
export const PublicProfileSchema = z.object({ ...ProfileFields, approvedAtMs: z.number().int() }).openapi("PublicProfile");
export type PublicProfile = z.infer<typeof PublicProfileSchema>;

export const ModerationDecisionSchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).openapi("ModerationDecision");

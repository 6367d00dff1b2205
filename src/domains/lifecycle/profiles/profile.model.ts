/**
 * Public clone profiles, pure: field rules, display-name normalization and the moderation transition
 * table.
 *
 * Display names are compared by their confusable skeletons (`nameKeys`, UTS #39 after NFKC and case
 * folding, and as displayed; skeleton.model.ts): a full-width "Ａ", a ligature "ﬁ", a Cyrillic "а" or
 * "m" for "rn" meet their plain look-alike. Names refuse invisible, filler, bidi-control and control
 * characters (400 naming `displayName` and the code points); bio and strategy summary have them
 * stripped. Avatars must be https URLs of at most AVATAR_MAX_LENGTH characters (no http, data: or
 * javascript: URLs reach a client).
 */
import { z } from "@hono/zod-openapi";
import { defineTransitions } from "../../../core/transitions";
import { nameSkeletons, refusedNameChars, stripUnsafeText } from "./skeleton.model";

export const AVATAR_MAX_LENGTH = 512;
export const NAME_MIN = 3;
export const NAME_MAX = 40;

/** NFKC, trimmed, inner whitespace collapsed: the display form that is stored. */
export function normalizeDisplayName(raw: string): string {
  return raw.normalize("NFKC").trim().replace(/\s+/gu, " ");
}

/** The uniqueness keys of a display name: its confusable skeletons (`name_key` and `display_key`). */
export function nameKeys(displayName: string): { nameKey: string; displayKey: string } {
  const { caseKey, displayKey } = nameSkeletons(normalizeDisplayName(displayName));
  return { nameKey: caseKey, displayKey };
}

/** Refuses invisible/filler/bidi/control characters, before normalization (which would fold a tab into a space) and after. */
const noRefusedChars = (s: string, ctx: z.RefinementCtx) => {
  const found = refusedNameChars(s);
  if (found.length > 0)
    ctx.addIssue({
      code: "custom",
      message: `displayName must not contain invisible, filler, bidi-control or control characters (${found.join(", ")})`,
      params: { refused: found },
    });
};

const DisplayName = z
  .string()
  .superRefine(noRefusedChars)
  .transform(normalizeDisplayName)
  .pipe(z.string().min(NAME_MIN).max(NAME_MAX).superRefine(noRefusedChars));

/** Free text: refused characters stripped, then trimmed and capped. */
const FreeText = (max: number) => z.string().transform(stripUnsafeText).pipe(z.string().trim().max(max)).default("");

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
    bio: FreeText(500).openapi({
      type: "string",
      description: "at most 500 characters; invisible and control characters (but newlines) are stripped",
    }),
    strategySummary: FreeText(1000).openapi({ type: "string", description: "at most 1000 characters; stripped like bio" }),
  })
  .openapi("ProfileInput");
export type ProfileInput = z.infer<typeof ProfileInputSchema>;

export const ProfileStatusSchema = z.enum(["pending", "approved", "rejected"]);
export type ProfileStatus = z.infer<typeof ProfileStatusSchema>;
export type ModerationEvent = "approve" | "reject" | "supersede" | "takedown";

/**
 * A newer submission supersedes a pending version (it becomes rejected with reason `superseded`); a
 * moderator takes an approved version down (`takedown`, with a reason): the public read then falls back
 * to the clone's previous approved version, if any.
 */
export const MODERATION_TRANSITIONS = defineTransitions<ProfileStatus, ModerationEvent>({
  pending: { approve: "approved", reject: "rejected", supersede: "rejected" },
  approved: { takedown: "rejected" },
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

/**
 * Server-side admin page sessions (owned by the HTTP layer, like the session cookie). The cookie names
 * a row; the row decides: revoked (sign-out), expired, or a role that is no longer admin all refuse.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const adminSessions = sqliteTable(
  "admin_sessions",
  {
    id: text("id").primaryKey(),
    /** The `sub` of the admin token that signed in. */
    subject: text("subject").notNull(),
    /** The token's role at sign-in; checked on every use. */
    role: text("role").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    /** min(token exp, sign-in + SESSION_TTL_MS). */
    expiresAtMs: integer("expires_at_ms").notNull(),
    revokedAtMs: integer("revoked_at_ms"),
  },
  (t) => [index("admin_sessions_expires_idx").on(t.expiresAtMs)],
);
export type AdminSessionRow = typeof adminSessions.$inferSelect;

/**
 * The /admin/arena HTML page (not in the OpenAPI documents): the shared admin page frame
 * (src/http/admin-page.ts: sign-in form, session cookie, CSRF checks, strict CSP) around the Arena
 * overview of arena-admin.page.ts. Mounted by src/app.ts through the domain's index.
 */
import { openDb } from "../../../db/client";
import { adminPage } from "../../../http/admin-page";
import { ARENA_STYLE, renderArenaAdmin } from "./arena-admin.page";
import { arenaAdminView } from "./arena-admin.service";

const page = adminPage({
  path: "/admin/arena",
  title: "Arena",
  style: ARENA_STYLE,
  render: async (c) => renderArenaAdmin(await arenaAdminView(openDb(c.env.DB), c.get("deps").clock.nowMs())),
});

/** Access of these pages (the route × role matrix test reads it; see src/http/access.ts). */
export const ARENA_ADMIN_PAGES = page.access;
export const arenaAdminPage = page.routes;

/**
 * The /admin/ingestion HTML dashboard (not in the OpenAPI documents): the shared admin page frame
 * (src/http/admin-page.ts: sign-in form, session cookie, CSRF checks, strict CSP) around the ingestion
 * health table of dashboard.page.ts.
 */
import { adminPage } from "../../../http/admin-page";
import { readMarketDataConfig } from "../market-data.config";
import { DASHBOARD_STYLE, renderDashboard } from "./dashboard.page";
import { ingestionHealth } from "./health.service";

const page = adminPage({
  path: "/admin/ingestion",
  title: "Ingestion health",
  style: DASHBOARD_STYLE,
  render: async (c) => {
    const nowMs = c.get("deps").clock.nowMs();
    const channels = await ingestionHealth(c.env.DB, readMarketDataConfig(c.env), nowMs);
    return renderDashboard(channels, nowMs);
  },
});

/** Access of these pages (the route × role matrix test reads it; see src/http/access.ts). */
export const DASHBOARD_PAGES = page.access;
export const ingestionDashboard = page.routes;

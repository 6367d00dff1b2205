/**
 * The server-rendered /admin/alerts page (issue 21, "a section on the admin pages"): the current
 * (pending and firing) alerts, the recent ones, the active silences and the recent notification
 * delivery attempts (status, channel, HTTP status, time), from the same reads as
 * `GET /api/v1/admin/alerts` and `/admin/alerts/deliveries`. The shared admin frame
 * (src/http/admin-page.ts) gives it the sign-in form, session cookie, CSRF checks and strict CSP; every
 * page links to it. hono/html escapes every interpolated value (summaries, reasons, error texts).
 * Callers: src/app.ts mounts it through the ops domain's index.
 */
import { html } from "hono/html";
import type { Db } from "../../../db/client";
import { openDb } from "../../../db/client";
import { adminPage, iso, type Page } from "../../../http/admin-page";
import { listAlerts, listDeliveries, listSilences } from "./alerts.service";
import type { AlertRow, DeliveryRow, SilenceRow } from "./alerts.tables";

const RECENT = 50;

export interface AlertsView {
  generatedAtMs: number;
  current: AlertRow[];
  recent: AlertRow[];
  silences: SilenceRow[];
  deliveries: DeliveryRow[];
}

/** Every open alert (firing first), the recent closed ones, active silences and delivery attempts. */
export async function alertsView(db: Db, nowMs: number): Promise<AlertsView> {
  const [firing, pending, latest, silences, deliveries] = await Promise.all([
    listAlerts(db, { state: "firing", limit: 500 }),
    listAlerts(db, { state: "pending", limit: 500 }),
    listAlerts(db, { limit: RECENT }),
    listSilences(db, nowMs),
    listDeliveries(db, { limit: RECENT }),
  ]);
  const recent = latest.filter((a) => a.state !== "firing" && a.state !== "pending");
  return { generatedAtMs: nowMs, current: [...firing, ...pending], recent, silences, deliveries };
}

const STYLE = `
.firing,.failed,.critical{background:#ffd7d5}.pending,.warning{background:#fff5b1}.resolved,.delivered{background:#dcffe4}
.discarded{background:#eaecef;color:#6a737d}
`;

const badge = (s: string) => html`<span class="status ${s}">${s}</span>`;

function alertRow(a: AlertRow): Page {
  const acked =
    a.ackedBy && a.ackExpiresMs !== null ? html`${a.ackedBy} until ${iso(a.ackExpiresMs)}<div class="note">${a.ackReason}</div>` : "-";
  return html`<tr data-alert="${a.id}" data-state="${a.state}">
<td>${badge(a.state)}</td><td>${badge(a.severity)}</td><td><code>${a.dedupKey}</code></td><td class="summary">${a.summary}</td>
<td>${iso(a.firstSeenMs)}</td><td>${iso(a.firedAtMs)}</td><td>${a.endedAtMs === null ? "-" : iso(a.endedAtMs)}</td><td>${acked}</td></tr>`;
}

const ALERT_HEAD = html`<thead><tr><th>state</th><th>severity</th><th>key</th><th>summary</th><th>first seen</th><th>fired</th><th>ended</th><th>acknowledged</th></tr></thead>`;

function alertTable(id: string, rows: AlertRow[], empty: string): Page {
  if (rows.length === 0) return html`<p class="note" id="${id}-empty">${empty}</p>`;
  return html`<table id="${id}">${ALERT_HEAD}<tbody>${rows.map(alertRow)}</tbody></table>`;
}

function deliveryRow(d: DeliveryRow): Page {
  return html`<tr data-delivery="${d.id}" data-status="${d.status}" data-channel="${d.channel}">
<td>${iso(d.atMs)}</td><td>${d.channel}</td><td>${badge(d.status)}</td><td class="num http">${d.httpStatus ?? "-"}</td>
<td class="num">${d.attempt}</td><td class="num">${d.durationMs} ms</td><td><code>${d.alertId ?? "test"}</code></td><td class="err">${d.error ?? ""}</td></tr>`;
}

/** The page body (the shared frame adds heading, navigation and sign-out). */
export function renderAlerts(v: AlertsView): Page {
  return html`<p class="note">Generated ${iso(v.generatedAtMs)}. Same data as GET /api/v1/admin/alerts and /api/v1/admin/alerts/deliveries; acknowledge and silence through those routes.</p>
<section><h2>Current alerts (${v.current.length})</h2>${alertTable("current-alerts", v.current, "Nothing pending or firing.")}</section>
<section><h2>Recent alerts</h2>${alertTable("recent-alerts", v.recent, "No resolved alerts recently.")}</section>
<section><h2>Active silences</h2>${
    v.silences.length === 0
      ? html`<p class="note">None.</p>`
      : html`<table id="silences"><thead><tr><th>matcher</th><th>reason</th><th>by</th><th>until</th></tr></thead><tbody>${v.silences.map(
          (s) => html`<tr><td><code>${s.matcher}</code></td><td>${s.reason}</td><td>${s.createdBy}</td><td>${iso(s.expiresAtMs)}</td></tr>`,
        )}</tbody></table>`
  }</section>
<section><h2>Recent delivery attempts</h2>${
    v.deliveries.length === 0
      ? html`<p class="note" id="deliveries-empty">No notification sent yet.</p>`
      : html`<table id="deliveries"><thead><tr><th>time</th><th>channel</th><th>status</th><th>HTTP</th><th>attempt</th><th>took</th><th>alert</th><th>error</th></tr></thead>
<tbody>${v.deliveries.map(deliveryRow)}</tbody></table>`
  }</section>`;
}

const page = adminPage({
  path: "/admin/alerts",
  title: "Alerts",
  style: STYLE,
  render: async (c) => renderAlerts(await alertsView(openDb(c.env.DB), c.get("deps").clock.nowMs())),
});

/** Access of these pages (the route × role matrix test reads it; see src/http/access.ts). */
export const ALERTS_PAGES = page.access;
export const alertsPage = page.routes;

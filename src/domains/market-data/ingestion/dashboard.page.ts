/**
 * Server-rendered /admin/ingestion page (hono/html templates: escaped by default, no build step, no
 * scripts, no external assets). The health table has one row per (source, channel) with two inline
 * SVG charts of the last 24 hours: rows written per hour (bars) and lag per hour (line). The only
 * inline <style> carries the CSP nonce of the response.
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { HOUR_MS, MINUTE_MS } from "../../../core/clock";
import type { ChannelHealth } from "./health.model";

type Page = HtmlEscapedString | Promise<HtmlEscapedString>;

const CHART_W = 120;
const CHART_H = 28;

const iso = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString().replace(".000Z", "Z"));

/** `42s`, `7m`, `3.5h`, `2.1d`. */
export function humanDuration(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < MINUTE_MS) return `${Math.round(ms / 1000)}s`;
  if (ms < HOUR_MS) return `${Math.round(ms / MINUTE_MS)}m`;
  if (ms < 48 * HOUR_MS) return `${(ms / HOUR_MS).toFixed(1)}h`;
  return `${(ms / (24 * HOUR_MS)).toFixed(1)}d`;
}

/** Hourly rows written, as bars scaled to the busiest hour. */
function volumeChart(h: ChannelHealth): Page {
  const max = Math.max(1, ...h.last24h.map((p) => p.rows));
  const w = CHART_W / h.last24h.length;
  const bars = h.last24h.map((p, i) => {
    const bh = p.rows === 0 ? 0 : Math.max(1, (p.rows / max) * (CHART_H - 2));
    return html`<rect x="${(i * w).toFixed(1)}" y="${(CHART_H - bh).toFixed(1)}" width="${(w - 1).toFixed(1)}" height="${bh.toFixed(1)}"><title>${iso(p.hourStartMs)}: ${p.rows} rows</title></rect>`;
  });
  return html`<svg class="chart volume" data-chart="volume" data-channel="${h.source}:${h.channel}" width="${CHART_W}" height="${CHART_H}" viewBox="0 0 ${CHART_W} ${CHART_H}" role="img" aria-label="rows written per hour, last 24h, max ${max}">${bars}</svg>`;
}

/** Hourly lag as a polyline (gaps where nothing was written), scaled to the worst hour. */
function lagChart(h: ChannelHealth): Page {
  const points = h.last24h.map((p, i) => ({ i, lag: p.lagMs }));
  const max = Math.max(1, ...points.map((p) => p.lag ?? 0));
  const step = (CHART_W - 4) / (points.length - 1);
  const segments: string[][] = [[]];
  for (const p of points) {
    if (p.lag === null) {
      if ((segments.at(-1) as string[]).length > 0) segments.push([]);
      continue;
    }
    (segments.at(-1) as string[]).push(`${(2 + p.i * step).toFixed(1)},${(CHART_H - 2 - (p.lag / max) * (CHART_H - 4)).toFixed(1)}`);
  }
  const lines = segments
    .filter((s) => s.length > 0)
    .map((s) =>
      s.length === 1
        ? html`<circle cx="${s[0]?.split(",")[0]}" cy="${s[0]?.split(",")[1]}" r="2"></circle>`
        : html`<polyline points="${s.join(" ")}"></polyline>`,
    );
  return html`<svg class="chart lag" data-chart="lag" data-channel="${h.source}:${h.channel}" width="${CHART_W}" height="${CHART_H}" viewBox="0 0 ${CHART_W} ${CHART_H}" role="img" aria-label="lag per hour, last 24h, max ${humanDuration(max)}">${lines}</svg>`;
}

function row(h: ChannelHealth): Page {
  return html`<tr data-source="${h.source}" data-channel="${h.channel}" data-status="${h.status}">
<td>${h.source}</td><td>${h.channel}</td>
<td><span class="status ${h.status}">${h.status}</span>${h.note ? html`<div class="note">${h.note}</div>` : ""}</td>
<td>${iso(h.lastSuccessMs)}</td>
<td>${h.lastError ? html`<span class="err" title="${h.lastError.message}">${iso(h.lastError.atMs)}: ${h.lastError.message.slice(0, 80)}</span>` : "-"}${h.consecutiveFailures > 0 ? html`<div class="note">${h.consecutiveFailures} failed in a row</div>` : ""}</td>
<td class="num">${humanDuration(h.lagMs)}<div class="note">stale after ${humanDuration(h.staleAfterMs)}</div></td>
<td class="num">${h.volume.lastHour} / ${h.volume.lastDay}</td>
<td class="num">${h.coverage.fresh} / ${h.coverage.expected}</td>
<td>${volumeChart(h)}</td><td>${lagChart(h)}</td>
</tr>`;
}

const STYLE = `
body{font:13px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fafbfc}
h1{font-size:1.2rem;margin:0 0 .25rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e6ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
.num{text-align:right;white-space:nowrap}
.note{color:#6a737d;font-size:11px}
.err{color:#b31d28}
.status{display:inline-block;padding:0 .4rem;border-radius:3px;font-weight:600}
.ok{background:#dcffe4}.degraded{background:#fff5b1}.stale{background:#ffe2c6}.failing{background:#ffd7d5}.disabled{background:#eaecef;color:#6a737d}
svg.chart{display:block;background:#f6f8fa}
svg.volume rect{fill:#0366d6}
svg.lag polyline{fill:none;stroke:#d15704;stroke-width:1.5}
svg.lag circle{fill:#d15704}
form{display:flex;gap:.5rem;margin-top:1rem}
input[type=password]{width:28rem}
`;

function layout(title: string, nonce: string, body: Page): Page {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>${title}</title>
<style nonce="${nonce}">${STYLE}</style></head>
<body>${body}</body></html>`;
}

/** The dashboard: the health table with its charts. */
export function renderDashboard(channels: ChannelHealth[], generatedAtMs: number, nonce: string): Page {
  return layout(
    "Ingestion health",
    nonce,
    html`<h1>Ingestion health</h1>
<p class="note">Generated ${iso(generatedAtMs)}. Lag = now minus the newest datapoint; volume = rows written in the last hour / day; coverage = subjects with fresh data / expected. Charts: last 24 hours, hourly.</p>
<table id="health"><thead><tr><th>source</th><th>channel</th><th>status</th><th>last success</th><th>last error</th><th>lag</th><th>volume 1h / 1d</th><th>coverage</th><th>rows / hour (24h)</th><th>lag (24h)</th></tr></thead>
<tbody>${channels.map(row)}</tbody></table>
<form method="post" action="/admin/ingestion/sign-out"><button type="submit">Sign out</button></form>`,
  );
}

/** The sign-in form shown to a caller without a valid admin token or session. */
export function renderSignIn(message: string, nonce: string): Page {
  return layout(
    "Sign in",
    nonce,
    html`<h1>Ingestion health</h1><p class="err" id="refused">${message}</p>
<form method="post" action="/admin/ingestion/session"><label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="off" required><button type="submit">Sign in</button></form>`,
  );
}

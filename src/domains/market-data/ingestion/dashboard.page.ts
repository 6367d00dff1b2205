/**
 * Server-rendered /admin/ingestion page (hono/html templates: escaped by default, no build step, no
 * scripts, no external assets). The health table has one row per (source, channel) with two inline
 * SVG charts of the last 24 hours: rows written per hour (bars) and lag per hour (line). The layout,
 * sign-in form and the nonce'd <style> come from the shared admin frame (src/http/admin-page.ts).
 */
import { html } from "hono/html";
import { HOUR_MS, MINUTE_MS } from "../../../core/clock";
import { iso, type Page } from "../../../http/admin-page";
import type { ChannelHealth } from "./health.model";

const CHART_W = 120;
const CHART_H = 28;

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

/** This page's CSS on top of the shared admin frame's (status colours, charts). */
export const DASHBOARD_STYLE = `
.ok{background:#dcffe4}.degraded{background:#fff5b1}.stale{background:#ffe2c6}.failing{background:#ffd7d5}.disabled{background:#eaecef;color:#6a737d}
svg.chart{display:block;background:#f6f8fa}
svg.volume rect{fill:#0366d6}
svg.lag polyline{fill:none;stroke:#d15704;stroke-width:1.5}
svg.lag circle{fill:#d15704}
`;

/** The dashboard body: the health table with its charts (the frame adds heading, nav and sign-out). */
export function renderDashboard(channels: ChannelHealth[], generatedAtMs: number): Page {
  return html`<p class="note">Generated ${iso(generatedAtMs)}. Lag = now minus the newest datapoint; volume = rows written in the last hour / day; coverage = subjects with fresh data / expected. Charts: last 24 hours, hourly.</p>
<table id="health"><thead><tr><th>source</th><th>channel</th><th>status</th><th>last success</th><th>last error</th><th>lag</th><th>volume 1h / 1d</th><th>coverage</th><th>rows / hour (24h)</th><th>lag (24h)</th></tr></thead>
<tbody>${channels.map(row)}</tbody></table>`;
}

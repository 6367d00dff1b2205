/**
 * The body of the server-rendered /admin/arena page: the current race (state, windows, settings), its
 * field with each entrant's confirmed stake, weight and live implied payout per 1 USD, the recent races,
 * the recent settlements and the reconciliation status. hono/html escapes every interpolated value, so
 * clone names and mismatch texts cannot inject markup. Money is shown exactly (integer micro-USD as
 * decimal USD). Pure rendering; the data comes from arena-admin.service.ts.
 */
import { html } from "hono/html";
import { iso, type Page, usd } from "../../../http/admin-page";
import type { FieldEntry, RaceDetail, RaceSummary } from "../reads/race-read.service";
import type { ReportView } from "../reconciliation/reconciliation.service";
import type { ArenaAdminView, SettlementSummary } from "./arena-admin.service";

/** This page's CSS on top of the shared admin frame's. */
export const ARENA_STYLE = `
.accumulating,.launched,.live,.settling{background:#fff5b1}.settled,.archived,.ok,.complete,.entered{background:#dcffe4}
.cancelled,.scratched,.writing{background:#eaecef;color:#6a737d}.mismatch{background:#ffd7d5}
dl{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:.25rem 0}dt{color:#6a737d}dd{margin:0}
code{font-size:11px}
`;

const badge = (status: string) => html`<span class="status ${status}">${status}</span>`;

function fieldRow(e: FieldEntry): Page {
  return html`<tr data-entrant="${e.entrantId}" data-status="${e.status}">
<td class="num">${e.seat}</td><td class="name">${e.displayName}</td><td><code>${e.cloneId}</code></td><td>${badge(e.status)}</td>
<td class="num">${usd(e.confirmedMicroUsd)}</td><td class="num">${e.weight}</td>
<td class="num implied">${e.impliedPayoutPerUsdMicroUsd === null ? "-" : usd(e.impliedPayoutPerUsdMicroUsd)}</td></tr>`;
}

function raceSection(race: RaceDetail | undefined, isCurrent: boolean): Page {
  if (!race)
    return html`<section id="race"><h2>Current race</h2><p class="note">No race yet (the arena.races job creates one).</p></section>`;
  return html`<section id="race" data-race="${race.id}" data-status="${race.status}">
<h2>${isCurrent ? "Current race" : "Latest race (none running)"}: #${race.seq} ${badge(race.status)}</h2>
<dl><dt>race id</dt><dd><code>${race.id}</code></dd>
<dt>accumulation</dt><dd>${iso(race.opensAtMs)} to ${iso(race.closesAtMs)}</dd>
<dt>live</dt><dd>${iso(race.liveStartsAtMs)} to ${iso(race.liveEndsAtMs)}</dd>
<dt>pool (confirmed)</dt><dd id="pool">${usd(race.poolMicroUsd)} USD</dd>
<dt>carry-in</dt><dd>${usd(race.carryInMicroUsd)} USD</dd>
<dt>tickets</dt><dd>min ${usd(race.minTicketMicroUsd)} USD, at most ${usd(race.maxUserStakeMicroUsd)} USD per user</dd>
<dt>settlement config</dt><dd><code>${JSON.stringify(race.config)}</code></dd></dl>
<table id="field"><thead><tr><th>seat</th><th>entrant</th><th>clone</th><th>status</th><th>confirmed (USD)</th><th>weight</th><th>implied payout per 1 USD</th></tr></thead>
<tbody>${race.field.map(fieldRow)}</tbody></table>
<p class="note">Implied payout: what 1 USD bought now would get if that entrant finished first (rules v1, an indication; '-' without tickets).</p>
</section>`;
}

function racesSection(races: RaceSummary[]): Page {
  return html`<section><h2>Recent races</h2>
<table id="races"><thead><tr><th>#</th><th>race</th><th>status</th><th>accumulation closes</th><th>live ends</th><th>pool (USD)</th></tr></thead>
<tbody>${races.map(
    (r) =>
      html`<tr data-race="${r.id}"><td class="num">${r.seq}</td><td><code>${r.id}</code></td><td>${badge(r.status)}</td><td>${iso(r.closesAtMs)}</td><td>${iso(r.liveEndsAtMs)}</td><td class="num">${usd(r.poolMicroUsd)}</td></tr>`,
  )}</tbody></table></section>`;
}

function settlementRow(s: SettlementSummary): Page {
  return html`<tr data-race="${s.raceId}" data-status="${s.status}">
<td class="num">${s.seq}</td><td>${badge(s.status)}</td><td class="winner">${s.winnerName ?? "-"}</td>
<td class="num">${usd(s.poolMicroUsd)}</td><td class="num">${usd(s.rakeMicroUsd)}</td><td class="num">${usd(s.creatorPoolMicroUsd)}</td>
<td class="num">${usd(s.distributionPoolMicroUsd)}</td><td class="num">${usd(s.carryInMicroUsd)} / ${usd(s.carryOutMicroUsd)}</td>
<td class="num">${s.payoutCount} / ${s.refundCount}</td><td>${iso(s.completedAtMs)}</td><td><code title="${s.settlementHash}">${s.settlementHash.slice(0, 12)}</code></td></tr>`;
}

function settlementsSection(settlements: SettlementSummary[]): Page {
  return html`<section><h2>Recent settlements</h2>
${
  settlements.length === 0
    ? html`<p class="note" id="no-settlements">No race settled yet.</p>`
    : html`<table id="settlements"><thead><tr><th>#</th><th>status</th><th>winner</th><th>pool</th><th>rake</th><th>creator pool</th><th>distribution</th><th>carry in / out</th><th>payouts / refunds</th><th>completed</th><th>hash</th></tr></thead>
<tbody>${settlements.map(settlementRow)}</tbody></table>`
}</section>`;
}

function reconciliationSection(r: { latest: ReportView | null; recent: ReportView[] }): Page {
  const latest = r.latest;
  if (!latest)
    return html`<section id="reconciliation" data-ok="none"><h2>Reconciliation</h2><p class="note">No report yet: the arena.reconcile job has not run.</p></section>`;
  return html`<section id="reconciliation" data-ok="${String(latest.ok)}"><h2>Reconciliation</h2>
<p>Latest run ${iso(latest.runAtMs)}: ${latest.ok ? badge("ok") : html`<span class="status mismatch">${latest.mismatches.length} mismatch(es)</span>`}
<span class="note">checks <code>${JSON.stringify(latest.checks)}</code></span></p>
${
  latest.mismatches.length === 0
    ? ""
    : html`<table id="mismatches"><thead><tr><th>check</th><th>subject</th><th>expected</th><th>actual</th></tr></thead>
<tbody>${latest.mismatches.map((m) => html`<tr><td>${m.check}</td><td><code>${m.subject}</code></td><td class="num">${m.expected}</td><td class="num">${m.actual}</td></tr>`)}</tbody></table>`
}
<table id="reconciliation-runs"><thead><tr><th>run</th><th>result</th><th>mismatches</th></tr></thead>
<tbody>${r.recent.map((x) => html`<tr data-ok="${String(x.ok)}"><td>${iso(x.runAtMs)}</td><td>${x.ok ? badge("ok") : html`<span class="status mismatch">mismatch</span>`}</td><td class="num">${x.mismatches.length}</td></tr>`)}</tbody></table>
</section>`;
}

/** The page body (the shared frame adds heading, navigation and sign-out). */
export function renderArenaAdmin(v: ArenaAdminView): Page {
  return html`<p class="note">Generated ${iso(v.generatedAtMs)}. Amounts in USD (exact micro-USD). Same figures as GET /api/v1/races/{id} and GET /api/v1/admin/arena/reconciliation.</p>
${raceSection(v.race, v.raceIsCurrent)}${racesSection(v.races)}${settlementsSection(v.settlements)}${reconciliationSection(v.reconciliation)}`;
}

/**
 * Prompt assembly: sections, rendering by prompt inclusion, escaping of untrusted text, token counts
 * with a real tokenizer (o200k_base, the GPT-4o/GPT-5 encoding, from `gpt-tokenizer`), and trimming
 * to the budget in a fixed priority order with every step recorded. Pure and deterministic.
 *
 * Delimiting: every section is framed by `<<<section id="…" trust="…">>>` … `<<<end section id="…">>>`.
 * Untrusted text (Polymarket questions and outcome names, user prompts, user-chosen ids) is rendered
 * only through `quoteUntrusted`: a JSON string literal with `<` and `>` escaped as \u003c / \u003e, so
 * it stays on one line and can never contain the `<<<` of a frame or a tokenizer special token.
 *
 * Trim order (first applied first; victims within a step in `victimOrder`):
 *   1. raw market sections -> summary
 *   2. summary market sections -> latest
 *   3. the account's recent fills and open orders dropped (positions and checks stay)
 *   4. market sections dropped, except the traded asset's own series (contextSymbol = symbol), which
 *      stay at `latest`
 * System rules, the output contract, the behaviour prompt, the run section, the asset snapshot and the
 * closing instruction are never trimmed; the account section's reduced form keeps every position's exit
 * plan (stop, take-profit, invalidation condition, previous reason). A prompt whose untrimmable part
 * exceeds the budget is sent over budget with `withinBudget: false`.
 * Every series is rendered oldest -> newest and says so.
 * Victim order: cross-asset reads (contextSymbol ≠ symbol) first, then DefiLlama, Polymarket,
 * Hyperliquid, then the larger section first, then section id.
 */
import { type Cell, type Series, seriesStats } from "../market-data";
import { tokenCount } from "./tokenizer";

export type Inclusion = "latest" | "summary" | "raw";
export type SectionKind = "system_rules" | "output_contract" | "behavior" | "run" | "asset" | "account" | "market" | "closing";

export interface PromptSection {
  id: string;
  kind: SectionKind;
  trust: "system" | "data" | "untrusted";
  /** Market sections only. */
  inclusion?: Inclusion;
  text: string;
  tokens: number;
}

export interface Trim {
  step: 1 | 2 | 3 | 4;
  sectionId: string;
  action: "raw_to_summary" | "summary_to_latest" | "account_activity_dropped" | "section_dropped";
  tokensBefore: number;
  tokensAfter: number;
}

/** Token counts come from ./tokenizer.ts (loaded lazily: callers await `loadTokenizer()` first). */
export { tokenCount };

/** A JSON string literal safe inside a frame: one line, no `<`/`>` (so no `<<<` and no `<|special|>`). */
export const quoteUntrusted = (s: string) => JSON.stringify(s).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");

/** Section ids come partly from user input (block ids, slugs): keep a safe alphabet. */
export const safeId = (s: string) => s.replace(/[^A-Za-z0-9:_./@-]/g, "_").slice(0, 160);

export function frame(id: string, trust: PromptSection["trust"], body: string): string {
  const sid = safeId(id);
  return `<<<section id="${sid}" trust="${trust}">>>\n${body}\n<<<end section id="${sid}">>>`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(":00.000Z", "Z");
/** Numbers at 6 significant digits: enough for a decision, fewer tokens; deterministic. */
const fmt = (v: Cell): string =>
  v === null ? "null" : typeof v === "number" ? String(Number(v.toPrecision(6))) : typeof v === "boolean" ? String(v) : quoteUntrusted(v);

function rowText(columns: readonly string[], row: readonly Cell[]): string {
  return columns.map((c, i) => (i === 0 ? `t=${iso(row[0] as number)}` : `${c}=${fmt(row[i] ?? null)}`)).join(" ");
}

export interface MarketSectionInput {
  id: string;
  symbol: string;
  series: Series;
  inclusion: Inclusion;
}

/** Body of one market section at an inclusion level (see doc/domains/context.md for the statistics). */
export function renderMarket(input: MarketSectionInput, inclusion: Inclusion): string {
  const s = input.series;
  const head = `source=${s.source} channel=${s.channel} subject=${quoteUntrusted(s.contextSymbol)} for=${quoteUntrusted(input.symbol)} granularity=${s.granularity} points=${s.rows.length}`;
  if (s.rows.length === 0) return `${head}\nno data at or before ${iso(s.asOfMs)}`;
  const last = s.rows.at(-1) as Cell[];
  if (inclusion === "latest") return `${head}\nlatest: ${rowText(s.columns, last)}`;
  if (inclusion === "summary") {
    if (!s.valueColumn) {
      const shown = s.rows.slice(-5);
      return `${head}\nnewest ${shown.length}, oldest -> newest:\n${shown.map((r) => rowText(s.columns, r)).join("\n")}`;
    }
    const st = seriesStats(s);
    const stats = (["last", "changePct", "min", "max", "mean", "stdev", "slopePerPoint"] as const)
      .map((k) => `${k}=${fmt(st[k])}`)
      .join(" ");
    return `${head}\nsummary of ${s.valueColumn} (oldest -> newest) from ${iso(s.rows[0]?.[0] as number)} to ${iso(last[0] as number)}: ${stats}\nlatest: ${rowText(s.columns, last)}`;
  }
  return `${head}\nrows oldest -> newest, columns: ${s.columns.join(",")}\n${s.rows.map((r) => [iso(r[0] as number), ...r.slice(1).map(fmt)].join(",")).join("\n")}`;
}

export function marketSection(input: MarketSectionInput, inclusion: Inclusion): PromptSection {
  const text = frame(input.id, "data", renderMarket(input, inclusion));
  return { id: input.id, kind: "market", trust: "data", inclusion, text, tokens: tokenCount(text) };
}

export function fixedSection(id: string, kind: SectionKind, trust: PromptSection["trust"], body: string): PromptSection {
  const text = frame(id, trust, body);
  return { id, kind, trust, text, tokens: tokenCount(text) };
}

export const SECTION_SEPARATOR = "\n\n";
export const joinSections = (sections: readonly PromptSection[]) => sections.map((s) => s.text).join(SECTION_SEPARATOR);

const FRAME_END = /^<<<end section id="[A-Za-z0-9:_./@-]*">>>$/;
/** The closing frame line of a section's text, when it is one on its own line (else null). */
function closingLine(text: string): string | null {
  const at = text.lastIndexOf('\n<<<end section id="');
  if (at < 0) return null;
  const line = text.slice(at + 1);
  return FRAME_END.test(line) ? line : null;
}
const separatorDelta = new Map<string, number>();
/**
 * Tokens of `joinSections(sections)` without re-tokenizing the prompt: the sum of the section counts
 * plus, per separator, what it adds to the closing frame line before it. Exact for framed sections:
 * o200k's pre-tokenizer splits text into pieces that are encoded independently; no piece runs from a
 * newline into a `<`, so the closing line `<<<end section id="…">>>` (always after a newline) starts a
 * piece; the separator only extends that line's last piece (`>>>` absorbs trailing newlines and `/`);
 * and the next frame starts a fresh piece at its `<<<`. Hence count(joined) = Σ sections +
 * Σ (count(closing line + separator) − count(closing line)). Anything else falls back to counting the
 * joined text. test/unit/context-prompt-tokens.test.ts checks the identity on hostile bodies.
 */
export function joinedTokenCount(sections: readonly PromptSection[]): number {
  let total = 0;
  for (let i = 0; i < sections.length; i++) {
    const section = sections[i] as PromptSection;
    total += section.tokens;
    if (i === sections.length - 1) break;
    const closing = closingLine(section.text);
    if (closing === null || !(sections[i + 1] as PromptSection).text.startsWith("<<<section ")) {
      return tokenCount(joinSections(sections));
    }
    let delta = separatorDelta.get(closing);
    if (delta === undefined) {
      delta = tokenCount(closing + SECTION_SEPARATOR) - tokenCount(closing);
      if (separatorDelta.size >= 10_000) separatorDelta.clear();
      separatorDelta.set(closing, delta);
    }
    total += delta;
  }
  return total;
}

/** A series of the traded asset itself (not a cross-asset or off-venue read): step 4 never drops it. */
export const isOwnSeries = (input: MarketSectionInput) => input.series.contextSymbol === input.symbol;

const SOURCE_RANK: Record<string, number> = { defillama: 0, polymarket: 1, hyperliquid: 2 };

/** Trim victims, most expendable first. */
export function victimOrder(markets: ReadonlyArray<{ section: PromptSection; input: MarketSectionInput }>) {
  return [...markets].sort((a, b) => {
    const crossA = a.input.series.contextSymbol !== a.input.symbol ? 0 : 1;
    const crossB = b.input.series.contextSymbol !== b.input.symbol ? 0 : 1;
    if (crossA !== crossB) return crossA - crossB;
    const srcA = SOURCE_RANK[a.input.series.source] ?? 3;
    const srcB = SOURCE_RANK[b.input.series.source] ?? 3;
    if (srcA !== srcB) return srcA - srcB;
    if (a.section.tokens !== b.section.tokens) return b.section.tokens - a.section.tokens;
    return a.section.id < b.section.id ? -1 : a.section.id > b.section.id ? 1 : 0;
  });
}

export interface AssembleInput {
  /** In prompt order, market sections excluded. */
  head: PromptSection[];
  account: { full: PromptSection; reduced: PromptSection } | null;
  markets: MarketSectionInput[];
  tail: PromptSection[];
  budgetTokens: number;
}

export interface AssembledPrompt {
  sections: PromptSection[];
  text: string;
  tokens: number;
  budgetTokens: number;
  withinBudget: boolean;
  trimmed: Trim[];
}

/** Builds the prompt and trims it to `budgetTokens` by the documented order; the final count is the tokenizer's. */
export function assemblePrompt(input: AssembleInput): AssembledPrompt {
  const markets = input.markets.map((m) => ({ input: m, section: marketSection(m, m.inclusion) as PromptSection | null }));
  let account = input.account?.full ?? null;
  const trimmed: Trim[] = [];
  const sections = () => [
    ...input.head,
    ...(account ? [account] : []),
    ...markets.flatMap((m) => (m.section ? [m.section] : [])),
    ...input.tail,
  ];
  const total = () => joinedTokenCount(sections());
  let tokens = total();

  const downgrade = (step: 1 | 2, from: Inclusion, to: Inclusion, action: Trim["action"]) => {
    const live = markets.filter((m): m is { input: MarketSectionInput; section: PromptSection } => m.section?.inclusion === from);
    for (const victim of victimOrder(live)) {
      if (tokens <= input.budgetTokens) return;
      const slot = markets.find((m) => m.section === victim.section);
      if (!slot) continue;
      const next = marketSection(victim.input, to);
      trimmed.push({ step, sectionId: victim.section.id, action, tokensBefore: victim.section.tokens, tokensAfter: next.tokens });
      slot.section = next;
      tokens = total();
    }
  };
  downgrade(1, "raw", "summary", "raw_to_summary");
  downgrade(2, "summary", "latest", "summary_to_latest");
  if (tokens > input.budgetTokens && input.account && account === input.account.full) {
    trimmed.push({
      step: 3,
      sectionId: account.id,
      action: "account_activity_dropped",
      tokensBefore: account.tokens,
      tokensAfter: input.account.reduced.tokens,
    });
    account = input.account.reduced;
    tokens = total();
  }
  // The traded asset's own series are never dropped (they stay at `latest`).
  const live = markets.filter(
    (m): m is { input: MarketSectionInput; section: PromptSection } => m.section !== null && !isOwnSeries(m.input),
  );
  for (const victim of victimOrder(live)) {
    if (tokens <= input.budgetTokens) break;
    const slot = markets.find((m) => m.section === victim.section);
    if (!slot) continue;
    trimmed.push({ step: 4, sectionId: victim.section.id, action: "section_dropped", tokensBefore: victim.section.tokens, tokensAfter: 0 });
    slot.section = null;
    tokens = total();
  }
  const final = sections();
  const text = joinSections(final);
  return { sections: final, text, tokens, budgetTokens: input.budgetTokens, withinBudget: tokens <= input.budgetTokens, trimmed };
}

/**
 * The o200k_base tokenizer (GPT-4o/GPT-5 encoding, `gpt-tokenizer`), loaded on first use: its module
 * builds a byte-pair table of ~200k entries when evaluated, the largest single piece of the Worker's
 * startup work (issue 21, measured with `wrangler check startup`). A dynamic import keeps that out of
 * every isolate start; only the paths that count prompt tokens pay it, once per isolate.
 * Invariant: `tokenCount` is synchronous (prompt assembly in prompt.model.ts is pure and sync), so a
 * caller awaits `loadTokenizer()` before assembling: resolvePacket and the pipeline preview route do.
 */
let counter: ((text: string) => number) | undefined;

export async function loadTokenizer(): Promise<void> {
  if (counter) return;
  const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base");
  // Special-token lookalikes count as plain text, never throw.
  counter = (text) => countTokens(text, { disallowedSpecial: new Set() });
}

/** Tokens of `text`; throws when called before `loadTokenizer()` resolved (a programming error). */
export function tokenCount(text: string): number {
  if (!counter) throw new Error("tokenizer not loaded: await loadTokenizer() before counting prompt tokens");
  return counter(text);
}

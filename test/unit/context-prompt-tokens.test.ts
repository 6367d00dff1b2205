/**
 * The joined-prompt token count (sum of section counts plus separator deltas) equals the tokenizer's
 * count of the joined text, for framed sections with hostile bodies and ids: the identity the
 * assembler relies on to avoid tokenizing every prompt twice.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { fixedSection, joinedTokenCount, joinSections, type PromptSection, tokenCount } from "../../src/domains/context/prompt.model";
import { loadTokenizer } from "../../src/domains/context/tokenizer";

beforeAll(loadTokenizer);

// Characters that stress the pre-tokenizer at frame edges: brackets, quotes, slashes, newlines,
// spaces, apostrophes (contractions), digits, letters of several cases and scripts, and marks.
const ALPHABET = [
  "<",
  ">",
  '"',
  "/",
  "\\",
  "\n",
  "\r",
  " ",
  "\t",
  "'",
  "s",
  "S",
  "1",
  "a",
  "Z",
  "é",
  "ß",
  "中",
  "\u0301",
  "-",
  ".",
  "_",
  ":",
  "@",
  "|",
  "{",
];
const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }).map((cs) => cs.join(""));
const section = fc
  .record({ id: text, trust: fc.constantFrom("system", "data", "untrusted" as const), body: text })
  .map(({ id, trust, body }) => fixedSection(id, "market", trust, body));

describe("joined prompt token count", () => {
  it("equals the tokenizer's count of the joined text", () => {
    fc.assert(
      fc.property(fc.array(section, { minLength: 1, maxLength: 6 }), (sections) => {
        expect(joinedTokenCount(sections)).toBe(tokenCount(joinSections(sections)));
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it("falls back to the tokenizer when a section is not framed", () => {
    const framed = fixedSection("a", "market", "data", "x");
    const bare: PromptSection = { id: "b", kind: "market", trust: "data", text: "/tail>>>", tokens: tokenCount("/tail>>>") };
    for (const sections of [
      [framed, bare],
      [bare, framed],
      [framed, bare, framed],
    ]) {
      expect(joinedTokenCount(sections)).toBe(tokenCount(joinSections(sections)));
    }
  });
});

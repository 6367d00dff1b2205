/**
 * Confusable skeletons (Unicode UTS #39 section 4) and the character rules of public profile text, pure.
 *
 * `skeleton(s)`: NFD, remove default-ignorable code points, replace each character by its prototype
 * from confusables.txt (`confusables.data.ts`), NFD again. Two strings with equal skeletons look alike
 * ("pаypаl" with Cyrillic а, "rn" and "m"). The shipped table only holds sources that can occur in
 * the NFD of NFKC text, so `skeleton` is exact for NFKC input (every caller normalizes first).
 *
 * `nameSkeletons(name)`: the uniqueness keys of a display name, over its NFKC, whitespace-collapsed
 * form. `caseKey` is the skeleton after NFKC and case folding, folded once more so a prototype's
 * capital meets its small letter (case variants meet: "PayPal", "ｐａｙｐａｌ", "pаypаl", "G00GLE" and
 * "google": 0 -> O -> o); `displayKey` is the case key of the skeleton of the name as displayed
 * (capital look-alikes meet: Cyrillic "ВОВ" and "BOB", "Ia" and "la"). No single key can do both (it
 * would make "ia" meet "la" through "Ia"), so a name claims both and two names collide when they share
 * one.
 *
 * Refused characters (`refusedNameChars`, `stripUnsafeText`): C* (controls, format incl. bidi
 * overrides/isolates and zero-width characters, unassigned, private use), every default-ignorable code
 * point (fillers U+115F/U+1160/U+3164/U+FFA0, U+2060..U+2064, variation selectors, tags) and the
 * Braille blank U+2800. Exception: VS15/VS16 right after an emoji (its text/emoji presentation); in
 * free text also ZWJ between two emoji (👨‍💻). Callers: profile.model (zod schemas).
 */
import { CONFUSABLES } from "./confusables.data";

let prototypes: Map<number, string> | undefined;

/** The decoded table (code point -> prototype), built on first use. */
function table(): Map<number, string> {
  if (prototypes) return prototypes;
  const map = new Map<number, string>();
  const cp = (hex: string) => Number.parseInt(hex, 16);
  for (const group of CONFUSABLES.split(";")) {
    const [target = "", sources = ""] = group.split(":");
    const prototype = String.fromCodePoint(...target.split(".").map(cp));
    for (const src of sources.split(",")) map.set(cp(src), prototype);
  }
  prototypes = map;
  return map;
}

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** The UTS #39 skeleton of NFKC text. */
export function skeleton(s: string): string {
  const map = table();
  let out = "";
  for (const ch of s.normalize("NFD").replace(DEFAULT_IGNORABLE, "")) out += map.get(ch.codePointAt(0) ?? 0) ?? ch;
  return out.normalize("NFD");
}

/** Full case folding, as close as JavaScript gets (upper then lower: ß -> ss, ς -> σ), back to NFKC. */
export function caseFold(s: string): string {
  return s.toUpperCase().toLowerCase().normalize("NFKC");
}

/** The uniqueness keys of a display name (see the header); equal when the name has no case-sensitive look-alike. */
export function nameSkeletons(name: string): { caseKey: string; displayKey: string } {
  const nfkc = name.normalize("NFKC").trim().replace(/\s+/gu, " ");
  const caseKey = (s: string) => caseFold(skeleton(caseFold(s)));
  return { caseKey: caseKey(nfkc), displayKey: caseKey(skeleton(nfkc)) };
}

const UNSAFE = /^[\p{C}\p{Default_Ignorable_Code_Point}\u2800]$/u;
const EMOJI = /^\p{Extended_Pictographic}$/u;
const PRESENTATION = new Set(["\uFE0E", "\uFE0F"]);
const ZWJ = "\u200D";

/** True when chars[i] is refused; `joiners` keeps ZWJ inside emoji sequences (free text). */
function unsafeAt(chars: readonly string[], i: number, joiners: boolean): boolean {
  const c = chars[i] ?? "";
  if (!UNSAFE.test(c)) return false;
  const prev = chars[i - 1] ?? "";
  if (PRESENTATION.has(c)) return !EMOJI.test(prev);
  if (joiners && c === ZWJ) {
    const before = PRESENTATION.has(prev) ? (chars[i - 2] ?? "") : prev;
    return !(EMOJI.test(before) && EMOJI.test(chars[i + 1] ?? ""));
  }
  return true;
}

const codePoint = (c: string) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/** The refused characters of a name as `U+XXXX` (distinct, in order); empty when the name is clean. */
export function refusedNameChars(name: string): string[] {
  const chars = [...name];
  return [...new Set(chars.filter((_, i) => unsafeAt(chars, i, false)).map(codePoint))];
}

/** Free text (bio, strategy summary) with refused characters removed; newlines and tabs stay (CRLF -> LF). */
export function stripUnsafeText(text: string): string {
  const chars = [...text.replace(/\r\n?/g, "\n")];
  return chars.filter((c, i) => c === "\n" || c === "\t" || !unsafeAt(chars, i, true)).join("");
}

/**
 * Confusable skeletons (UTS #39) and the character rules of profile text: hand-picked pairs that must
 * meet and pairs that must not, properties over ASCII names (full-width and case variants meet), the
 * refused characters of names and the stripping of bio text, and the generated table's provenance.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONFUSABLES, CONFUSABLES_UNICODE_VERSION } from "../../src/domains/lifecycle/profiles/confusables.data";
import { nameKeys, ProfileInputSchema } from "../../src/domains/lifecycle/profiles/profile.model";
import { nameSkeletons, refusedNameChars, skeleton, stripUnsafeText } from "../../src/domains/lifecycle/profiles/skeleton.model";

/** Two names collide when they share a key (a name claims both of its keys). */
const keysOf = (name: string) => new Set(Object.values(nameSkeletons(name)));
const collide = (a: string, b: string) => [...keysOf(a)].some((k) => keysOf(b).has(k));

describe("skeleton (UTS #39)", () => {
  it("maps confusables to their prototype as confusables.txt says", () => {
    expect(skeleton("\u0430")).toBe("a"); // CYRILLIC SMALL LETTER A ; LATIN SMALL LETTER A
    expect(skeleton("p\u0430yp\u0430l")).toBe("paypal");
    expect(skeleton("m")).toBe("rn"); // 006D ; 0072 006E (the prototype of "m" is "rn")
    expect(skeleton("rn")).toBe("rn");
    expect(skeleton("0")).toBe("O"); // 0030 ; 004F
    expect(skeleton("1")).toBe("l"); // 0031 ; 006C
    expect(skeleton("\u0391")).toBe("A"); // GREEK CAPITAL ALPHA
    expect(skeleton("a\u200Bb\u2060c")).toBe("abc"); // default-ignorables are removed first
    expect(skeleton("plain words")).toBe("plain words");
  });

  it("ships a generated table that names its Unicode version", () => {
    expect(CONFUSABLES_UNICODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(CONFUSABLES.split(";").length).toBeGreaterThan(500);
  });
});

describe("name keys", () => {
  const meet: Array<[string, string, string]> = [
    ["Latin and Cyrillic a", "a trader", "\u0430 trader"],
    ["paypal with Cyrillic а", "paypal", "p\u0430yp\u0430l"],
    ["rn and m", "rn", "m"],
    ["Morn and Mom", "Morn", "Mom"],
    ["full-width via NFKC", "ｐａｙｐａｌ", "PayPal"],
    ["ligature via NFKC", "ﬁsh", "fish"],
    ["case", "Alpha Trader", "ALPHA trader"],
    ["zero for O after folding", "G00GLE", "google"],
    ["one for l", "paypa1", "paypal"],
    ["sharp s folds to ss", "straße", "STRASSE"],
    ["spacing", "  Night   Owl ", "Night Owl"],
    ["emoji presentation selector", "Rocket 🚀\uFE0F", "Rocket 🚀"],
    ["capital I and l (as displayed)", "Ill", "lll"],
    ["capital I and small i (case)", "Ill", "ill"],
    ["Cyrillic capitals (as displayed)", "\u0412\u041E\u0412", "BOB"],
    ["Greek capital Eta (as displayed)", "\u0397ELLO", "hello"],
  ];
  it.each(meet)("%s: %j meets %j", (_, a, b) => {
    expect(collide(a, b)).toBe(true);
    expect(collide(b, a)).toBe(true);
  });

  it("the case key is the skeleton after NFKC and case folding", () => {
    expect(nameKeys("ＰａｙＰａｌ").nameKey).toBe("paypal");
    expect(nameKeys("p\u0430yp\u0430l")).toEqual({ nameKey: "paypal", displayKey: "paypal" });
    expect(nameKeys("Mom")).toEqual({ nameKey: "rnorn", displayKey: "rnorn" });
    expect(nameKeys("Ill")).toEqual({ nameKey: "ill", displayKey: "lll" });
  });

  const apart: Array<[string, string]> = [
    ["Night Owl", "Day Owl"],
    ["Alpha", "Alpha 2"],
    ["rn", "nn"],
    ["paypal", "paypai"],
    ["ill", "lll"], // small i is not l, even though capital I is
    ["\u03B7ello", "hello"], // Greek small eta looks like n, not h
  ];
  it.each(apart)("%j stays apart from %j", (a, b) => {
    expect(collide(a, b)).toBe(false);
  });

  it("full-width and case variants of any ASCII name meet (property)", () => {
    const fullWidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const ascii = fc.string({
      unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_."),
      minLength: 1,
    });
    fc.assert(
      fc.property(ascii, (s) => {
        const { nameKey } = nameKeys(s);
        expect(nameKeys(fullWidth(s))).toEqual(nameKeys(s));
        expect(nameKeys(s.toUpperCase()).nameKey).toBe(nameKey);
        expect(nameKeys(s.toLowerCase()).nameKey).toBe(nameKey);
        expect(nameKeys(nameKey).nameKey).toBe(nameKey);
      }),
      { seed: 24019, numRuns: 300 },
    );
  });
});

describe("refused characters", () => {
  const refused: Array<[string, string]> = [
    ["U+200B", "zero\u200Bwidth"],
    ["U+200D", "zw\u200Djoiner"],
    ["U+200E", "lrm\u200Emark"],
    ["U+2060", "word\u2060joiner"],
    ["U+2064", "invisible\u2064plus"],
    ["U+FEFF", "\uFEFFbom name"],
    ["U+3164", "hangul\u3164filler"],
    ["U+115F", "choseong\u115Ffiller"],
    ["U+1160", "jungseong\u1160filler"],
    ["U+FFA0", "halfwidth\uFFA0filler"],
    ["U+FE0F", "selector\uFE0Fname"],
    ["U+202E", "bidi\u202Eoverride"],
    ["U+202A", "bidi\u202Aembed"],
    ["U+2066", "bidi\u2066isolate"],
    ["U+2069", "bidi\u2069pop"],
    ["U+0007", "bell\u0007name"],
    ["U+0009", "tab\tname"],
    ["U+000A", "new\nline"],
    ["U+2800", "braille\u2800blank"],
  ];
  it.each(refused)("a name with %s is refused, naming the field and the code point", (cp, name) => {
    expect(refusedNameChars(name)).toEqual([cp]);
    const parsed = ProfileInputSchema.safeParse({ displayName: name });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message.includes(cp)])).toEqual([["displayName", true]]);
  });

  it("accepts clean names, accented letters and an emoji with its presentation selector", () => {
    for (const name of ["Night Owl", "Zoë Trader", "Ünïcode Ⅻ", "Rocket 🚀\uFE0F", "日本のトレーダー"]) {
      expect(refusedNameChars(name)).toEqual([]);
      expect(ProfileInputSchema.safeParse({ displayName: name }).success).toBe(true);
    }
  });

  it("strips refused characters from bio and strategy summary, keeping newlines and emoji sequences", () => {
    expect(stripUnsafeText("hi\u200B the\u202Ere\r\nline two\tok\u0007 👨\u200D💻 ❤\uFE0F\u3164")).toBe(
      "hi there\nline two\tok 👨\u200D💻 ❤\uFE0F",
    );
    const parsed = ProfileInputSchema.parse({ displayName: "Clean Name", bio: "\u202E evil\u2066 ", strategySummary: "trend\u200B" });
    expect([parsed.bio, parsed.strategySummary]).toEqual(["evil", "trend"]);
  });
});

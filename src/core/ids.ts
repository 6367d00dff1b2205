/**
 * Id generation is injected like the clock: production ids are random UUIDs with a readable
 * prefix; tests use `sequentialIds` to get stable, predictable ids.
 */
export interface IdGenerator {
  /** A new unique id, e.g. `clone_3f2a...`. */
  next(prefix: string): string;
}

export const randomIds: IdGenerator = {
  next: (prefix) => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`,
};

/** Deterministic ids for tests: `prefix_0001`, `prefix_0002`, ... (one counter per generator). */
export function sequentialIds(): IdGenerator {
  let n = 0;
  return {
    next: (prefix) => {
      n += 1;
      return `${prefix}_${String(n).padStart(4, "0")}`;
    },
  };
}

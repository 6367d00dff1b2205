/**
 * A D1Database wrapper that counts what a piece of code asks of D1: `calls` are round trips (one per
 * executed statement outside a batch, one per batch) and `statements` are SQL statements executed
 * (a batch counts each of its statements). Callers: the decision scheduler's tick and fan-out chunks
 * report their per-invocation D1 work with it (decision.meter.ts, read by `npm run bench -- decision`),
 * and the scale tests hold that work bounded. A Proxy per statement: no I/O of its own.
 */
export interface D1Counts {
  calls: number;
  statements: number;
}

export function countingD1(d1: D1Database): { db: D1Database; counts: D1Counts; reset(): void } {
  const counts: D1Counts = { calls: 0, statements: 0 };
  // Proxy -> the statement D1 made: a batch is handed the originals (D1 refuses objects it did not create).
  const raw = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => wrap(value.apply(target, args) as D1PreparedStatement);
        if (prop === "all" || prop === "run" || prop === "raw" || prop === "first")
          return (...args: unknown[]) => {
            counts.calls += 1;
            counts.statements += 1;
            return value.apply(target, args);
          };
        return value.bind(target);
      },
    });
    raw.set(proxy, stmt);
    return proxy;
  };
  const db = new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrap(target.prepare(query));
      if (prop === "batch")
        return (stmts: D1PreparedStatement[]) => {
          counts.calls += 1;
          counts.statements += stmts.length;
          return target.batch(stmts.map((s) => raw.get(s) ?? s));
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    db,
    counts,
    reset() {
      counts.calls = 0;
      counts.statements = 0;
    },
  };
}

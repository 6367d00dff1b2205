/** The drizzle tables and the SQL migrations describe the same columns (migrations are hand-written). */
import { env } from "cloudflare:test";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { ALL_TABLES } from "../support/all-tables";

describe("schema drift", () => {
  it.each(ALL_TABLES.map((t) => [getTableConfig(t).name, t] as const))("%s matches its migration", async (name, table) => {
    const { results } = await env.DB.prepare(`SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info(?)`).bind(name).all<{
      name: string;
      type: string;
      nn: number;
      pk: number;
    }>();
    const actual = Object.fromEntries(results.map((c) => [c.name, { type: c.type, notNull: c.nn === 1 || c.pk > 0 }]));
    const expected = Object.fromEntries(
      getTableConfig(table).columns.map((c) => [c.name, { type: c.getSQLType().toUpperCase(), notNull: c.notNull || c.primary }]),
    );
    expect(actual).toEqual(expected);
  });
});

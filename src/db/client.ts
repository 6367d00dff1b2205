/**
 * The drizzle client over D1. Services receive it (or `env`) explicitly. Which idiom serves which
 * query or write (drizzle, batch.ts, json-upsert.ts, raw-statement.ts, catalog.ts): README.md here.
 */
import { drizzle } from "drizzle-orm/d1";

export type Db = ReturnType<typeof drizzle>;

export function openDb(d1: D1Database): Db {
  return drizzle(d1);
}

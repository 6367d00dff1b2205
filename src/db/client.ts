/** The drizzle client over D1. Services receive it (or `env`) explicitly. */
import { drizzle } from "drizzle-orm/d1";

export type Db = ReturnType<typeof drizzle>;

export function openDb(d1: D1Database): Db {
  return drizzle(d1);
}

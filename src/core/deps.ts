/**
 * Injected dependencies every service may use. Tests replace them (fixed clock, counting ids), so no
 * service reads the wall clock or mints random ids itself. Kept out of the HTTP layer so services and
 * jobs never import Hono types.
 */
import type { Clock } from "./clock";
import type { IdGenerator } from "./ids";

export interface AppDeps {
  clock: Clock;
  ids: IdGenerator;
}

/** The lifecycle domain's import surface: routes, jobs, tables (for the schema list) and the audition port. */
import { createRouter } from "../../http/router";
import { lifecycleAdminRoutes } from "./admin.routes";
import { auditionRoutes } from "./audition.routes";
import { walletPaymentRoutes } from "./wallet-payment.routes";

export { arenaSlots, promotionQueue, retiredClones } from "./arena.tables";
export type { LifecycleDeps } from "./audition.accounts";
export type { AccountResult } from "./audition.model";
export type { AuditionAccounts, OpenAuditionAccount } from "./audition.port";
export { auditions } from "./audition.tables";
export { lifecycleJobs } from "./lifecycle.jobs";
export { lifecycleEvents } from "./lifecycle-events.tables";
export { creditEntries, payments } from "./payment.tables";
export { type PaymentRpcHealth, paymentRpcHealth } from "./payment-rpc.health";
export { profileNames, profileVersions } from "./profile.tables";
export { walletNonces, wallets } from "./wallet.tables";

/** Client and admin lifecycle routes, mounted under /api/v1. */
export const lifecycleRoutes = createRouter().route("/", walletPaymentRoutes).route("/", auditionRoutes).route("/", lifecycleAdminRoutes);

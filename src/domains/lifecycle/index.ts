/** The lifecycle domain's import surface: routes, jobs, tables (for the schema list) and the audition port. */
import { createRouter } from "../../http/router";
import { lifecycleAdminRoutes } from "./admin.routes";
import { auditionRoutes } from "./auditions/audition.routes";
import { walletPaymentRoutes } from "./wallet-payment.routes";

export type { LifecycleDeps } from "./auditions/audition.accounts";
export type { AccountResult } from "./auditions/audition.model";
export type { AuditionAccounts, OpenAuditionAccount } from "./auditions/audition.port";
export { auditions } from "./auditions/audition.tables";
export { lifecycleJobs } from "./lifecycle.jobs";
export { lifecycleEvents } from "./lifecycle-events.tables";
export { CREDIT_BALANCE_SQL } from "./payments/credit.service";
export { creditEntries, payments } from "./payments/payment.tables";
export { type PaymentRpcHealth, paymentRpcHealth } from "./payments/payment-rpc.health";
export { approvedProfiles } from "./profiles/profile.service";
export { profileNames, profileVersions } from "./profiles/profile.tables";
export { type AdminFailure, isRetired, retireClone, type SeatedClone, seatedClones } from "./promotion/promotion.service";
export { arenaSlots, promotionQueue, retiredClones } from "./promotion/promotion.tables";
export { walletNonces, wallets } from "./wallets/wallet.tables";

/** Client and admin lifecycle routes, mounted under /api/v1. */
export const lifecycleRoutes = createRouter().route("/", walletPaymentRoutes).route("/", auditionRoutes).route("/", lifecycleAdminRoutes);
export { type FeeConfig, feeConfig, LifecycleConfigSchema, readLifecycleConfig } from "./lifecycle.config";
export { walletOf } from "./wallets/wallet.service";

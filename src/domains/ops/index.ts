/**
 * The ops domain's import surface: the public liveness route and the admin alert routes, the job
 * factory (alerts, backups), the settings schema (composed into src/config.ts) and the tables (for the
 * schema list). Rooms: alerts/ (rules, episodes, notifications), backups/ (logical D1 backups to R2).
 * Heartbeats and worker health live in src/cron/.
 */
export { RULES, type Rule } from "./alerts/alerts.model";
export { ALERTS_PAGES, alertsPage } from "./alerts/alerts.page";
export {
  opsAlertDeliveries,
  opsAlertNotifications,
  opsAlertSilences,
  opsAlerts,
  opsAudit,
  opsSignalMemory,
} from "./alerts/alerts.tables";
export { describeDifference, type Manifest, ManifestSchema } from "./backups/backup.model";
export { opsBackups, opsBackupVerifications } from "./backups/backups.tables";
export { restoreAndCompare } from "./backups/restore.service";
export { newestManifestKey } from "./backups/verify.service";
export { OpsConfigSchema, type OpsSettings, readOpsSettings, refineOpsSettings } from "./ops.config";
export { createOpsJobs } from "./ops.jobs";
export { opsRoutes } from "./ops.routes";

/**
 * The maintenance queue: daily jobs that must never take an ingestion slot, so they have a queue
 * (and, on Bull, a processor) of their own. One job today: retention (PRODUCT §18).
 */
export const MAINTENANCE_QUEUE = 'clipador-maintenance';
export const JOB_RETENTION = 'clipador.maintenance.retention';

/** One run a day whatever the number of schedulers: the job id is the UTC date. */
export function retentionJobId(now: Date): string {
  return `retention-${now.toISOString().slice(0, 10)}`;
}

/** Kept so that a day's id is still known (and not run twice) after its job finished. */
export const KEEP_MAINTENANCE_JOBS = 60;
export const RETENTION_ATTEMPTS = 3;
export const RETENTION_BACKOFF_MS = 60_000;

/**
 * The notifications queue (§17): its own Bull queue, so a slow destination never holds a sync.
 * Its one job is a wake-up: the outbox rows are the work, and any worker drains what is due.
 * The payload is empty (the rows carry everything, and Bull stores payloads in plain text).
 */
export const NOTIFICATIONS_QUEUE = 'clipador-notifications';
export const JOB_DISPATCH = 'clipador.notifications.dispatch';
/** One waiting wake-up is enough: a kick while one waits adds nothing. */
export const DISPATCH_JOB_ID = 'dispatch';

import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line of one unit of work carries (a job: its id, its cycle, its streamer). */
export type LogFields = Readonly<Record<string, string | number>>;

const storage = new AsyncLocalStorage<LogFields>();

/**
 * Runs `work` with `fields` on every line it logs, however deep (the Twitch client's retries
 * and rate-limit waits say which sync they served). Nested calls add to the outer fields.
 */
export function withLogFields<T>(fields: LogFields, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, work);
}

/** pino's `mixin`: the current fields, merged into each line (the line's own fields win). */
export function currentLogFields(): LogFields {
  return storage.getStore() ?? {};
}

import { existsSync } from 'node:fs';

/**
 * Loads `./.env` into `process.env` when it exists. Variables already set in the environment win,
 * so an operator can always override the file. Only the entry points call this; tests never do.
 */
export function loadEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerInterface } from 'typeorm';

export const SLOW_QUERY_MS = 1_000;

/**
 * Sends TypeORM's output through the application logger (pino), so SQL lines carry the request
 * id and the structured format. Queries are logged (at debug level) only when
 * CLIPADOR_DATABASE_LOGGING is on, the default in development; errors and slow queries always are. Parameters are never logged:
 * they can hold password hashes and encrypted secrets.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new NestLogger('SQL');

  constructor(private readonly logQueries: boolean) {}

  logQuery(query: string): void {
    if (this.logQueries) this.logger.debug({ query }, 'sql_query');
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.error({ query, err: error instanceof Error ? error.message : error }, 'sql_error');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query, durationMs: time }, 'sql_slow_query');
  }

  logSchemaBuild(message: string): void {
    this.logger.log(message);
  }

  logMigration(message: string): void {
    this.logger.log({ migration: message }, 'sql_migration');
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(message);
    else if (this.logQueries) this.logger.debug(message);
  }
}

import { Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/configuration';
import { buildDataSourceOptions, runMigrations } from './data-source-options';
import { EmbeddedPostgres } from './embedded-postgres';

/** Holds the embedded PGlite database when the service runs without CLIPADOR_DATABASE_URL. */
export class EmbeddedDatabase {
  constructor(readonly instance: EmbeddedPostgres | undefined) {}
}

@Module({
  providers: [
    {
      provide: EmbeddedDatabase,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<AppConfig, true>) => {
        const database = config.get('database', { infer: true });
        return new EmbeddedDatabase(
          database.url ? undefined : await EmbeddedPostgres.open(database.embeddedDir),
        );
      },
    },
  ],
  exports: [EmbeddedDatabase],
})
class EmbeddedDatabaseModule {}

const logger = new Logger('Database');

/**
 * The TypeORM connection. The schema is migrated before the data source is handed to anyone, so
 * no repository, job or request ever sees an old schema.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [ConfigService, EmbeddedDatabase],
      useFactory: (config: ConfigService<AppConfig, true>, embedded: EmbeddedDatabase) =>
        buildDataSourceOptions(
          config.get('database', { infer: true }),
          embedded.instance?.pgConfig(),
        ),
      dataSourceFactory: async (options) => {
        if (!options) throw new Error('No data source options');
        const dataSource = await new DataSource(options).initialize();
        const isEmbedded = !('url' in options && options.url);
        const applied = await runMigrations(dataSource, isEmbedded);
        if (applied.length > 0) logger.log({ migrations: applied }, 'database_migrated');
        return dataSource;
      },
    }),
    EmbeddedDatabaseModule,
  ],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    private readonly embedded: EmbeddedDatabase,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Last on shutdown (after the workers have drained and the HTTP server has closed): the data
   * source first, so that no query is cut off, then the embedded database and its lock file.
   * TypeORM's own module may have destroyed the data source already; either order is fine.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded.instance?.close();
    logger.log({ embedded: this.embedded.instance !== undefined }, 'database_closed');
  }
}

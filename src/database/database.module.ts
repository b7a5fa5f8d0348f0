import { Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/configuration';
import { buildDataSourceOptions, runMigrations } from './data-source-options';
import { EmbeddedPostgres } from './embedded-postgres';

/**
 * Holds the embedded PGlite database when the service runs without CLIPADOR_DATABASE_URL, and
 * closes it last: the data source first, so that no query is cut off, then PGlite and its lock.
 */
export class EmbeddedDatabase implements OnApplicationShutdown {
  constructor(readonly instance: EmbeddedPostgres | undefined) {}

  dataSource?: DataSource;

  async onApplicationShutdown(): Promise<void> {
    if (!this.instance) return;
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    await this.instance.close();
  }
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
export class DatabaseModule {
  constructor(embedded: EmbeddedDatabase, dataSource: DataSource) {
    embedded.dataSource = dataSource;
  }
}

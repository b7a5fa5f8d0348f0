import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from '../admin/admin.module';
import { buildLoggerOptions } from '../common/logging';
import { ClipsModule } from '../clips/clips.module';
import { AppConfig } from '../config/configuration';
import { DatabaseModule } from '../database/database.module';
import { RedisModule } from '../redis/redis.module';
import { RetentionService } from '../retention/retention.service';
import { StreamsModule } from '../streams/streams.module';
import { UsersModule } from '../users/users.module';
import { CreateAdminCommand, CreateUserCommand } from './commands/create-user.command';
import { ImportLegacyCommand } from './commands/import-legacy.command';
import { MigrateCommand } from './commands/migrate.command';
import { RetentionCommand } from './commands/retention.command';
import { SeedCommand } from './commands/seed.command';
import { SetPlanCommand } from './commands/set-plan.command';
import { LegacyImportRepository } from './legacy/legacy-import.repository';
import { LegacyImportService } from './legacy/legacy-import.service';
import { SeedService } from './seed/seed.service';

/** The command line: the data layer and the services its commands use; no HTTP, no jobs. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        LoggerModule.forRoot(
          buildLoggerOptions({ ...config.app, logLevel: config.app.cliLogLevel }, 'stderr'),
        ),
        DatabaseModule,
        RedisModule,
        UsersModule,
        StreamsModule,
        ClipsModule,
        AdminModule,
      ],
      providers: [
        CreateAdminCommand,
        CreateUserCommand,
        MigrateCommand,
        SeedCommand,
        SeedService,
        SetPlanCommand,
        ImportLegacyCommand,
        LegacyImportService,
        LegacyImportRepository,
        RetentionCommand,
        RetentionService,
      ],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { BillingModule } from './billing/billing.module';
import { ChannelsModule } from './channels/channels.module';
import { ClipsModule } from './clips/clips.module';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { buildLoggerOptions } from './common/logging';
import { AppConfig } from './config/configuration';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { RedisModule } from './redis/redis.module';
import { RetentionModule } from './retention/retention.module';
import { MetricsModule } from './metrics/metrics.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PublicModule } from './public/public.module';
import { StreamsModule } from './streams/streams.module';
import { UsersModule } from './users/users.module';

/**
 * The whole service, built from an already validated configuration. Which roles run (api, worker,
 * scheduler) is decided by the entry point and by the ingestion module from the same config.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        LoggerModule.forRoot(buildLoggerOptions(config.app)),
        DatabaseModule,
        RedisModule,
        UsersModule,
        AuthModule,
        StreamsModule,
        ChannelsModule,
        ClipsModule,
        MonitoringModule,
        PublicModule,
        BillingModule,
        AdminModule,
        HealthModule,
        IngestionModule.forRoot(config),
        NotificationsModule.forRoot(config),
        RetentionModule.forRoot(config),
        MetricsModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}

import { DeliveriesModule } from '../deliveries/deliveries.module';
import { BullModule } from '@nestjs/bull';
import { DynamicModule, Logger, Module, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { ClipsModule } from '../clips/clips.module';
import { EventsModule } from '../events/events.module';
import { AppConfig } from '../config/configuration';
import { StreamsModule } from '../streams/streams.module';
import { TwitchModule } from '../twitch/twitch.module';
import { BullJobQueue } from './bull-job-queue';
import { InProcessJobQueue } from './in-process-job-queue';
import { InProcessWorker } from './in-process-worker';
import { IngestionStatusModule } from './ingestion-status.module';
import { IngestionController } from './ingestion.controller';
import { IngestionMetrics } from './ingestion.metrics';
import { INGESTION_CYCLE_QUEUE, INGESTION_QUEUE } from './ingestion.jobs';
import { IngestionProcessor } from './ingestion.processor';
import { IngestionScheduler } from './ingestion.scheduler';
import { IngestionService } from './ingestion.service';
import { IngestionJobHandler, JobQueue } from './job-queue';
import { StreamerSync } from './streamer-sync';
import { streamerSyncLockProvider } from './streamer-sync-lock';
import { SyncCyclePlanner } from './sync-cycle.planner';
import { SyncInterruption } from './sync-interruption';
import { SyncWriter } from './sync-writer';
import { WorkerHeartbeat } from './worker-heartbeat';

/**
 * Ingestion, assembled for this process's roles:
 * - every role can enqueue (POST /ingestion/sync, the scheduler, the fan-out job);
 * - `worker` runs the jobs: Bull's processor with Redis, the in-process runner without;
 * - `scheduler` enqueues the periodic sync.
 */
@Module({})
export class IngestionModule {
  static forRoot(config: AppConfig): DynamicModule {
    const roles = new Set(config.app.roles);
    const imports: DynamicModule['imports'] = [
      StreamsModule,
      ClipsModule,
      TwitchModule,
      DeliveriesModule,
      EventsModule,
      IngestionStatusModule,
    ];
    const providers: Provider[] = [
      IngestionService,
      StreamerSync,
      SyncWriter,
      SyncCyclePlanner,
      streamerSyncLockProvider,
      IngestionMetrics,
      SyncInterruption,
      { provide: IngestionJobHandler, useExisting: IngestionService },
    ];

    if (config.redis.url) {
      imports.push(
        BullModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (configService: ConfigService<AppConfig, true>) => {
            const lockMs = configService.get('ingestion', { infer: true }).jobLockMs;
            return {
              url: configService.get('redis', { infer: true }).url,
              prefix: `${configService.get('redis', { infer: true }).prefix}:bull`,
              settings: { lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 2 },
              // Bull's own reconnection backs off to 20 s between attempts; after an outage the
              // worker would sit idle that long once Redis is back. Capped at 2 s, as ours are.
              redis: { retryStrategy: (times: number) => Math.min(times * 100, 2_000) },
            };
          },
        }),
        BullModule.registerQueue({ name: INGESTION_QUEUE }, { name: INGESTION_CYCLE_QUEUE }),
      );
      providers.push({ provide: JobQueue, useClass: BullJobQueue });
      if (roles.has('worker')) providers.push(IngestionProcessor);
    } else {
      providers.push({
        provide: JobQueue,
        inject: [SyncInterruption],
        useFactory: (interruption: SyncInterruption) =>
          new InProcessJobQueue(config.ingestion.concurrency, interruption),
      });
      if (roles.has('worker')) providers.push(InProcessWorker);
      else {
        new Logger(IngestionModule.name).warn(
          'No worker role and no CLIPADOR_REDIS_URL: this process cannot run ingestion jobs',
        );
      }
    }
    if (roles.has('worker')) providers.push(WorkerHeartbeat);
    if (roles.has('scheduler')) {
      imports.push(ScheduleModule.forRoot());
      providers.push(IngestionScheduler);
    }

    // Nothing is exported: what another module reads of ingestion (the worker status for
    // /health/worker) is IngestionStatusModule's, which that module imports itself.
    return { module: IngestionModule, imports, controllers: [IngestionController], providers };
  }
}

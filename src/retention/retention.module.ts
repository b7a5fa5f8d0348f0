import { BullModule } from '@nestjs/bull';
import {
  DynamicModule,
  Injectable,
  Module,
  OnApplicationBootstrap,
  Provider,
} from '@nestjs/common';
import { AppConfig } from '../config/configuration';
import { MAINTENANCE_QUEUE } from './maintenance.jobs';
import {
  BullMaintenanceQueue,
  InProcessMaintenanceQueue,
  MaintenanceHandler,
  MaintenanceQueue,
} from './maintenance-queue';
import { MaintenanceProcessor } from './maintenance.processor';
import { RetentionScheduler } from './retention.scheduler';
import { RetentionService } from './retention.service';

/** What a maintenance job does, for both runners. */
@Injectable()
export class RetentionJobHandler extends MaintenanceHandler {
  constructor(private readonly service: RetentionService) {
    super();
  }

  async retention(signal: AbortSignal): Promise<void> {
    await this.service.run({ signal });
  }
}

/** Role `worker` without Redis: the in-process runner gets the handler. */
@Injectable()
class InProcessMaintenanceWorker implements OnApplicationBootstrap {
  constructor(
    private readonly queue: MaintenanceQueue,
    private readonly handler: MaintenanceHandler,
  ) {}

  onApplicationBootstrap(): void {
    (this.queue as InProcessMaintenanceQueue).attach(this.handler);
  }
}

/**
 * Retention (PRODUCT §18), assembled like ingestion for this process's roles: `scheduler`
 * enqueues the daily run, `worker` runs it — on Bull's `clipador-maintenance` queue with Redis
 * (its root connection is the one IngestionModule configures), in this process without.
 */
@Module({})
export class RetentionModule {
  static forRoot(config: AppConfig): DynamicModule {
    const roles = new Set(config.app.roles);
    const imports: DynamicModule['imports'] = [];
    const providers: Provider[] = [
      RetentionService,
      { provide: MaintenanceHandler, useClass: RetentionJobHandler },
    ];
    if (config.redis.url) {
      imports.push(BullModule.registerQueue({ name: MAINTENANCE_QUEUE }));
      providers.push({ provide: MaintenanceQueue, useClass: BullMaintenanceQueue });
      if (roles.has('worker')) providers.push(MaintenanceProcessor);
    } else {
      providers.push({ provide: MaintenanceQueue, useClass: InProcessMaintenanceQueue });
      if (roles.has('worker')) providers.push(InProcessMaintenanceWorker);
    }
    if (roles.has('scheduler')) providers.push(RetentionScheduler);
    return {
      module: RetentionModule,
      imports,
      providers,
      exports: [RetentionService, MaintenanceQueue],
    };
  }
}

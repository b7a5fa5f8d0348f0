import { createParamDecorator, ExecutionContext, Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';

/**
 * The database's change counters. This module owns table cache_generations (and its marks, kept
 * by the triggers of migration ChangeGenerations and the later *Generation migrations) and is the
 * only code that reads it: `users` moves when any user row changes, `bursts` when anything the
 * recent-bursts answer shows changes. Each moves once per committed transaction, at its commit.
 *
 * Rule for every cache built on them: an answer built after reading generation g (read BEFORE
 * the query that built it) reflects every commit up to g, so it may serve any request whose own
 * reading is ≤ g. A request must therefore read the counters itself, after it arrived — that is
 * what makes a commit visible on the very next request, in every process.
 */
export interface ChangeGenerations {
  users: number;
  bursts: number;
  /** What the public clip feed shows (clips, streamers' names and activity): src/public. */
  clips: number;
  /** Channel configs (user_channel_configs, user_streamers, what they show of streamers). */
  channels: number;
}

const READ_SQL = 'SELECT name, value FROM cache_generations';

/**
 * Reads the counters, one query for many concurrent callers: a caller joins a read that is sent
 * after it asked, never one already on its way (which may have been answered before a commit
 * the caller must see). While a read is in flight, every new caller waits for the next one,
 * sent as soon as the current one settles. Under load that is one tiny query per round trip
 * instead of one per request.
 */
@Injectable()
export class ChangeGenerationsReader {
  private inFlight: Promise<ChangeGenerations> | undefined;
  private queued: Promise<ChangeGenerations> | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  read(): Promise<ChangeGenerations> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.send();
    this.queued = this.inFlight.then(
      () => this.sendQueued(),
      () => this.sendQueued(),
    );
    return this.queued;
  }

  private sendQueued(): Promise<ChangeGenerations> {
    this.queued = undefined;
    return this.send();
  }

  private send(): Promise<ChangeGenerations> {
    const read = this.query();
    this.inFlight = read;
    const settle = () => {
      if (this.inFlight === read) this.inFlight = undefined;
    };
    read.then(settle, settle);
    return read;
  }

  private async query(): Promise<ChangeGenerations> {
    const rows: Array<{ name: string; value: string }> = await this.dataSource.query(READ_SQL);
    const generations: ChangeGenerations = { users: 0, bursts: 0, clips: 0, channels: 0 };
    for (const row of rows) {
      if (
        row.name === 'users' ||
        row.name === 'bursts' ||
        row.name === 'clips' ||
        row.name === 'channels'
      ) {
        generations[row.name] = Number(row.value);
      }
    }
    return generations;
  }
}

@Module({
  providers: [ChangeGenerationsReader],
  exports: [ChangeGenerationsReader],
})
export class ChangeGenerationsModule {}

/** A request that went through the JWT guard carries the counters the guard read for it. */
export type RequestWithGenerations = FastifyRequest & { changeGenerations?: ChangeGenerations };

/**
 * The counters read for this request by the guard (after the request arrived), or undefined on
 * a route the guard let through without reading them.
 */
export const RequestGenerations = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ChangeGenerations | undefined =>
    context.switchToHttp().getRequest<RequestWithGenerations>().changeGenerations,
);

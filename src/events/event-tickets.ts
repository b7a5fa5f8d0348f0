import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { AuthenticatedUser } from '../auth/decorators/current-user.decorator';
import { AppConfig } from '../config/configuration';
import { REDIS } from '../redis/redis.module';
import { InvalidTokenError } from '../auth/token.service';
import { InvalidTicketError, TicketsUnavailableError } from './events.errors';

/** A ticket is good for one `GET /events` within this long of its issue. */
export const TICKET_TTL_SECONDS = 60;

/** What a ticket stands for: the user and session of the access token that asked for it. */
export interface TicketGrant {
  id: number;
  username: string;
  role: AuthenticatedUser['role'];
  sessionId: string;
  tokenExpiresAt: string;
}

/**
 * Single-use tickets for the live feed (a browser's EventSource cannot send headers). Only the
 * ticket's sha256 is stored, so a Redis dump holds nothing a client could present.
 */
export abstract class EventTicketStore {
  /** Stores the grant under a new ticket for `ttlSeconds`; the ticket. */
  abstract issue(grant: TicketGrant, ttlSeconds: number): Promise<string>;

  /** The grant, once: a second redeem of the same ticket, or one after its expiry, is null. */
  abstract redeem(ticket: string): Promise<TicketGrant | null>;
}

/** 32 random bytes, base64url: 43 characters. */
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function newTicket(): { ticket: string; digest: string } {
  const ticket = randomBytes(32).toString('base64url');
  return { ticket, digest: digestOf(ticket) };
}

function digestOf(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

class RedisEventTicketStore extends EventTicketStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  async issue(grant: TicketGrant, ttlSeconds: number): Promise<string> {
    const { ticket, digest } = newTicket();
    await this.redis.set(`${this.prefix}:${digest}`, JSON.stringify(grant), 'EX', ttlSeconds);
    return ticket;
  }

  async redeem(ticket: string): Promise<TicketGrant | null> {
    // GETDEL: two connections presenting the same ticket at once cannot both get it.
    const value = await this.redis.getdel(`${this.prefix}:${digestOf(ticket)}`);
    return value ? (JSON.parse(value) as TicketGrant) : null;
  }
}

export class MemoryEventTicketStore extends EventTicketStore {
  private readonly tickets = new Map<string, { grant: TicketGrant; expiresAt: number }>();

  issue(grant: TicketGrant, ttlSeconds: number): Promise<string> {
    const now = Date.now();
    // Expired tickets are swept as new ones come, so the map holds a minute's worth at most.
    for (const [digest, entry] of this.tickets) {
      if (entry.expiresAt <= now) this.tickets.delete(digest);
    }
    const { ticket, digest } = newTicket();
    this.tickets.set(digest, { grant, expiresAt: now + ttlSeconds * 1000 });
    return Promise.resolve(ticket);
  }

  redeem(ticket: string): Promise<TicketGrant | null> {
    const digest = digestOf(ticket);
    const entry = this.tickets.get(digest);
    this.tickets.delete(digest);
    return Promise.resolve(entry && entry.expiresAt > Date.now() ? entry.grant : null);
  }
}

/** The one place the store is chosen: Redis when configured (any api process redeems), else memory. */
export const eventTicketStoreProvider: Provider = {
  provide: EventTicketStore,
  inject: [ConfigService, REDIS],
  useFactory: (config: ConfigService<AppConfig, true>, redis: Redis | null): EventTicketStore =>
    redis
      ? new RedisEventTicketStore(
          redis,
          `${config.get('redis', { infer: true }).prefix}:events-ticket`,
        )
      : new MemoryEventTicketStore(),
};

/** `POST /events/ticket`'s answer. */
export interface EventTicketAnswer {
  ticket: string;
  expires_in: number;
}

/** Issues tickets for the caller and turns a presented one back into the caller, once. */
@Injectable()
export class EventTicketsService {
  constructor(private readonly store: EventTicketStore) {}

  async issue(user: AuthenticatedUser): Promise<EventTicketAnswer> {
    // Never beyond the token it stands for: the stream it opens ends at the token's expiry.
    const ttl = Math.min(
      TICKET_TTL_SECONDS,
      Math.floor((user.tokenExpiresAt.getTime() - Date.now()) / 1000),
    );
    if (ttl < 1) throw new InvalidTokenError();
    const ticket = await storeCall(() =>
      this.store.issue(
        {
          id: user.id,
          username: user.username,
          role: user.role,
          sessionId: user.sessionId,
          tokenExpiresAt: user.tokenExpiresAt.toISOString(),
        },
        ttl,
      ),
    );
    return { ticket, expires_in: ttl };
  }

  /** The user a ticket was issued to; 401 `invalid_ticket` for anything else. */
  async redeem(ticket: unknown): Promise<AuthenticatedUser> {
    if (typeof ticket !== 'string' || !TICKET_PATTERN.test(ticket)) throw new InvalidTicketError();
    const grant = await storeCall(() => this.store.redeem(ticket));
    if (!grant) throw new InvalidTicketError();
    return { ...grant, tokenExpiresAt: new Date(grant.tokenExpiresAt) };
  }
}

/** Redis away (or slower than ioredis allows) is a 503, never a 500. */
async function storeCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new TicketsUnavailableError((error as Error).message);
  }
}

import { DomainError } from '../common/errors/domain.error';

/** Every error the live feed answers on purpose; the codes are stable (clients may switch on them). */
export const EVENT_ERROR_CODES = {
  invalidTicket: 'invalid_ticket',
  sessionEnded: 'session_ended',
  tooManyStreams: 'too_many_streams',
  streamsFull: 'events_full',
  ticketsUnavailable: 'tickets_unavailable',
} as const;

export class InvalidTicketError extends DomainError {
  constructor() {
    super(
      'unauthorized',
      EVENT_ERROR_CODES.invalidTicket,
      'Event ticket unknown, already used or expired; ask POST /events/ticket for a new one',
    );
  }
}

export class SessionEndedError extends DomainError {
  constructor() {
    super('unauthorized', EVENT_ERROR_CODES.sessionEnded, 'Session ended; log in again');
  }
}

export class TooManyStreamsError extends DomainError {
  constructor(limit: number) {
    super(
      'rate_limited',
      EVENT_ERROR_CODES.tooManyStreams,
      `At most ${limit} live-feed streams per user are open at once; close one first`,
    );
  }
}

export class StreamsFullError extends DomainError {
  constructor() {
    super(
      'unavailable',
      EVENT_ERROR_CODES.streamsFull,
      'This server holds as many live-feed streams as it can; try again shortly',
    );
  }
}

export class TicketsUnavailableError extends DomainError {
  constructor(reason: string) {
    super(
      'unavailable',
      EVENT_ERROR_CODES.ticketsUnavailable,
      `Event tickets are unavailable: ${reason}`,
    );
  }
}

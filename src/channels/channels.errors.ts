import { DomainError } from '../common/errors/domain.error';

/**
 * Every error the channels module throws on purpose, with the Portuguese `detail` the dashboard
 * shows (PRODUCT §12). The codes are stable: clients may switch on them.
 */
export const CHANNEL_ERROR_CODES = {
  streamerAlreadyAttached: 'streamer_already_attached',
  slotLimitReached: 'slot_limit_reached',
  twitchStreamerNotFound: 'twitch_streamer_not_found',
  streamerNotAttached: 'streamer_not_attached',
  adminOnlyField: 'admin_only_field',
  twitchLookupUnavailable: 'twitch_lookup_unavailable',
} as const;

export class StreamerAlreadyAttachedError extends DomainError {
  constructor() {
    super('conflict', CHANNEL_ERROR_CODES.streamerAlreadyAttached, 'Streamer já configurado.');
  }
}

export class SlotLimitReachedError extends DomainError {
  constructor() {
    super(
      'conflict',
      CHANNEL_ERROR_CODES.slotLimitReached,
      'Limite de slots atingido para o seu plano.',
    );
  }
}

export class TwitchStreamerNotFoundError extends DomainError {
  constructor() {
    super(
      'not_found',
      CHANNEL_ERROR_CODES.twitchStreamerNotFound,
      'Streamer não encontrado na Twitch.',
    );
  }
}

export class StreamerNotAttachedError extends DomainError {
  constructor() {
    super('not_found', CHANNEL_ERROR_CODES.streamerNotAttached, 'Streamer não configurado.');
  }
}

/** slots_configured and api_mode: only an admin may set them. */
export class AdminOnlyFieldError extends DomainError {
  constructor(readonly fields: string[]) {
    super(
      'forbidden',
      CHANNEL_ERROR_CODES.adminOnlyField,
      `Apenas administradores podem alterar: ${fields.join(', ')}.`,
    );
  }
}

/** A login could not be resolved because Twitch (or Clipador's credentials) is not available. */
export class TwitchLookupUnavailableError extends DomainError {
  constructor() {
    super(
      'unavailable',
      CHANNEL_ERROR_CODES.twitchLookupUnavailable,
      'Não foi possível consultar a Twitch agora; tente novamente em instantes.',
    );
  }
}

import { DestinationGuard } from '../http/destination-guard';
import { OutboundAnswer, PinnedHttp } from '../http/pinned-http';
import { classifyStatus, clampWait, outcomeOfError, SendOutcome } from './send-outcome';

export interface DiscordSend {
  /** The webhook's execute URL (`…/webhooks/<id>/<token>`). */
  url: string;
  body: Record<string, unknown>;
  /** Edit this message (a grown burst) instead of posting a new one. */
  editMessageId?: string;
}

/**
 * Discord webhooks: execute with `?wait=true` (the answer is the message, whose id the edits of a
 * grown burst need), edit with PATCH `…/messages/<id>`. A 429's `retry_after` (seconds, in the
 * JSON body) is honoured; Discord also sends Retry-After, read when the body lacks it.
 */
export class DiscordSender {
  constructor(
    private readonly guard: DestinationGuard,
    private readonly http: PinnedHttp,
  ) {}

  async send(request: DiscordSend): Promise<SendOutcome> {
    const url = request.editMessageId
      ? `${request.url}/messages/${encodeURIComponent(request.editMessageId)}`
      : `${request.url}?wait=true`;
    try {
      const target = await this.guard.check(url);
      const answer = await this.http.send(target, {
        method: request.editMessageId ? 'PATCH' : 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Clipador (clipador, 1)' },
        body: JSON.stringify(request.body),
      });
      return interpret(answer, request.editMessageId);
    } catch (error) {
      return outcomeOfError(error);
    }
  }
}

function interpret(answer: OutboundAnswer, editedId: string | undefined): SendOutcome {
  const body = parse(answer.body);
  if (answer.status === 429) {
    const seconds = typeof body?.retry_after === 'number' ? body.retry_after : undefined;
    const fallback = classifyStatus(answer);
    if (seconds === undefined) return fallback;
    return { kind: 'rate_limited', retryAfterMs: clampWait(seconds * 1000), reason: 'discord_429' };
  }
  const outcome = classifyStatus(answer);
  if (outcome.kind !== 'sent') {
    return outcome.kind === 'refused' || outcome.kind === 'retry'
      ? { ...outcome, reason: outcome.reason.replace('http_', 'discord_') }
      : outcome;
  }
  const id = typeof body?.id === 'string' ? body.id : editedId;
  return id ? { kind: 'sent', remoteMessageId: id } : { kind: 'sent' };
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

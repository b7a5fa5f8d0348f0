import { DestinationGuard } from '../http/destination-guard';
import { PinnedHttp } from '../http/pinned-http';
import { signatureHeader } from '../signature';
import { classifyStatus, outcomeOfError, SendOutcome } from './send-outcome';

export interface WebhookSend {
  url: string;
  secret: string;
  idempotencyKey: string;
  body: string;
}

/**
 * A user's webhook: the event as JSON, `Idempotency-Key` (the outbox row's key, the same on
 * every resend), `X-Clipador-Signature` over `t.body`; the SSRF guard checks the destination
 * again before every send and the connection goes to the address it checked.
 */
export class WebhookSender {
  constructor(
    private readonly guard: DestinationGuard,
    private readonly http: PinnedHttp,
  ) {}

  async send(request: WebhookSend, now = Date.now()): Promise<SendOutcome> {
    try {
      const target = await this.guard.check(request.url);
      const answer = await this.http.send(target, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Clipador-Webhook/1',
          'Idempotency-Key': request.idempotencyKey,
          'X-Clipador-Signature': signatureHeader(
            request.secret,
            request.body,
            Math.floor(now / 1000),
          ),
        },
        body: request.body,
      });
      return classifyStatus(answer);
    } catch (error) {
      return outcomeOfError(error);
    }
  }
}

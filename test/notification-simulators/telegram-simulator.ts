import { ServerResponse } from 'node:http';
import { json, LoopbackServer } from './http-server';

export interface TelegramChatMessage {
  message_id: number;
  chat_id: string;
  text: string;
  parse_mode?: string;
  /** Each text the message had, the first included (editMessageText appends). */
  versions: string[];
  sentAt: number;
}

interface Update {
  update_id: number;
  message: {
    message_id: number;
    date: number;
    text: string;
    chat: { id: number; type: 'private'; username?: string; first_name: string };
    from: { id: number; is_bot: false; first_name: string; username?: string };
  };
}

export interface TelegramCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
  errorCode?: number;
}

/**
 * A loopback Telegram Bot API: `POST /bot<token>/<method>` with a JSON body, answering
 * `{ok:true,result}` or `{ok:false,error_code,description[,parameters]}` like the real one.
 * getMe, getUpdates (with offset: updates below it are confirmed and forgotten), sendMessage,
 * editMessageText (400 "message is not modified" for the same text, 400 "message to edit not
 * found"), an unknown chat → 400 "chat not found", a wrong token → 401, an unknown method → 404,
 * and 429 with `parameters.retry_after` on demand. It also enforces Telegram's limit of one
 * message per second per chat (429 beyond it), so a test sees whether the sender paces.
 */
export class TelegramSimulator {
  readonly calls: TelegramCall[] = [];
  readonly messages: TelegramChatMessage[] = [];
  private readonly updates: Update[] = [];
  private readonly chats = new Map<string, { username?: string; firstName: string }>();
  private readonly lastSendAt = new Map<string, number>();
  private nextUpdateId = 1000;
  private nextMessageId = 1;
  private rateLimited = { times: 0, retryAfter: 1 };
  enforceChatPacing = true;
  private readonly server = new LoopbackServer((req, body, res) =>
    this.handle(req.url ?? '', body, res),
  );

  constructor(
    readonly token: string,
    readonly botUsername: string,
  ) {}

  static async start(token = '123456:TEST-token', botUsername = 'ClipadorTestBot') {
    const sim = new TelegramSimulator(token, botUsername);
    await sim.server.start();
    return sim;
  }

  /** CLIPADOR_TELEGRAM_API_URL. */
  get apiUrl(): string {
    return this.server.baseUrl;
  }

  /** A person writes to the bot (e.g. `/start <nonce>` after opening the t.me link). */
  userSends(chatId: number, text: string, username?: string): void {
    this.chats.set(String(chatId), { username, firstName: username ?? `User ${chatId}` });
    this.updates.push({
      update_id: this.nextUpdateId++,
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        text,
        chat: { id: chatId, type: 'private', username, first_name: username ?? `User ${chatId}` },
        from: { id: chatId, is_bot: false, first_name: username ?? `User ${chatId}`, username },
      },
    });
  }

  /** The next `times` calls answer 429 with parameters.retry_after. */
  rateLimitNext(times: number, retryAfter: number): void {
    this.rateLimited = { times, retryAfter };
  }

  messagesTo(chatId: number | string): TelegramChatMessage[] {
    return this.messages.filter((message) => message.chat_id === String(chatId));
  }

  close(): Promise<void> {
    return this.server.stop();
  }

  private handle(url: string, body: string, res: ServerResponse): void {
    const match = url.match(/^\/bot([^/]+)\/([A-Za-z]+)$/);
    if (!match) return this.fail(res, 404, 'Not Found');
    const [, token, method] = match;
    let params: Record<string, unknown> = {};
    try {
      params = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      return this.fail(res, 400, "Bad Request: can't parse JSON");
    }
    const call: TelegramCall = { method, params, at: Date.now() };
    this.calls.push(call);
    if (token !== this.token) return this.fail(res, 401, 'Unauthorized', call);
    if (this.rateLimited.times > 0 && method !== 'getUpdates') {
      this.rateLimited.times--;
      return this.tooMany(res, this.rateLimited.retryAfter, call);
    }
    switch (method) {
      case 'getMe':
        return this.ok(res, {
          id: Number(this.token.split(':')[0]),
          is_bot: true,
          first_name: 'Clipador',
          username: this.botUsername,
        });
      case 'getUpdates': {
        const offset = typeof params.offset === 'number' ? params.offset : 0;
        // Telegram forgets the updates an offset confirms.
        while (this.updates.length > 0 && this.updates[0].update_id < offset) this.updates.shift();
        return this.ok(res, this.updates.slice(0, 100));
      }
      case 'sendMessage':
        return this.sendMessage(res, params, call);
      case 'editMessageText':
        return this.editMessageText(res, params, call);
      default:
        return this.fail(res, 404, 'Not Found', call);
    }
  }

  private sendMessage(res: ServerResponse, params: Record<string, unknown>, call: TelegramCall) {
    const chatId = chatIdOf(params.chat_id);
    const text = typeof params.text === 'string' ? params.text : '';
    if (!chatId) return this.fail(res, 400, 'Bad Request: chat_id is empty', call);
    if (!text) return this.fail(res, 400, 'Bad Request: message text is empty', call);
    if (!this.chats.has(chatId)) return this.fail(res, 400, 'Bad Request: chat not found', call);
    const now = Date.now();
    const last = this.lastSendAt.get(chatId);
    if (this.enforceChatPacing && last !== undefined && now - last < 1000) {
      return this.tooMany(res, 1, call);
    }
    this.lastSendAt.set(chatId, now);
    const message: TelegramChatMessage = {
      message_id: this.nextMessageId++,
      chat_id: chatId,
      text,
      parse_mode: typeof params.parse_mode === 'string' ? params.parse_mode : undefined,
      versions: [text],
      sentAt: now,
    };
    this.messages.push(message);
    return this.ok(res, {
      message_id: message.message_id,
      date: Math.floor(now / 1000),
      chat: { id: Number(chatId), type: 'private' },
      text,
    });
  }

  private editMessageText(
    res: ServerResponse,
    params: Record<string, unknown>,
    call: TelegramCall,
  ) {
    const chatId = chatIdOf(params.chat_id);
    const text = typeof params.text === 'string' ? params.text : '';
    const message = this.messages.find(
      (candidate) => candidate.chat_id === chatId && candidate.message_id === params.message_id,
    );
    if (!message) return this.fail(res, 400, 'Bad Request: message to edit not found', call);
    if (message.text === text) {
      return this.fail(
        res,
        400,
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        call,
      );
    }
    message.text = text;
    message.versions.push(text);
    return this.ok(res, {
      message_id: message.message_id,
      chat: { id: Number(chatId), type: 'private' },
      text,
      edit_date: Math.floor(Date.now() / 1000),
    });
  }

  private ok(res: ServerResponse, result: unknown): void {
    json(res, 200, { ok: true, result });
  }

  private fail(res: ServerResponse, code: number, description: string, call?: TelegramCall): void {
    if (call) call.errorCode = code;
    json(res, code, { ok: false, error_code: code, description });
  }

  private tooMany(res: ServerResponse, retryAfter: number, call: TelegramCall): void {
    call.errorCode = 429;
    json(res, 429, {
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfter}`,
      parameters: { retry_after: retryAfter },
    });
  }
}

/** chat_id as Telegram takes it: an integer or a string. */
function chatIdOf(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? String(value) : '';
}

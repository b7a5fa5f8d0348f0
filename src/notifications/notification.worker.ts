import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/configuration';
import { NotificationDispatcher } from './notification-dispatcher';
import { TelegramLinkPoller } from './telegram-link.poller';

/**
 * Role `worker`: every poll period, drain what is due (retries whose time came, rows whose lease
 * ran out, wake-ups that were lost) and read the bot's updates. The kicks make the usual case
 * faster than the period.
 */
@Injectable()
export class NotificationWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dispatcher: NotificationDispatcher,
    private readonly poller: TelegramLinkPoller,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    const { pollMs } = this.config.get('notifications', { infer: true });
    const tick = () => {
      void this.dispatcher.drain();
      void this.poller.poll();
    };
    this.timer = setInterval(tick, pollMs);
    this.timer.unref();
    tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.dispatcher.stop(), this.poller.stop()]);
  }
}

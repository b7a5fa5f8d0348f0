import { setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import type { Options } from 'pino-http';
import { loadConfig } from '../config/configuration';
import { withLogFields } from './log-context';
import { buildLoggerOptions } from './logging';

/** A pino logger with the service's options, writing JSON lines into an array. */
function capturedLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const { app } = loadConfig({ CLIPADOR_APP_ENV: 'test', CLIPADOR_LOG_LEVEL: 'info' });
  const [options] = buildLoggerOptions(app).pinoHttp as [Options, unknown];
  const written: string[] = [];
  const logger = pino(options, { write: (line: string) => written.push(line) });
  return {
    logger,
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('job log context', () => {
  it('puts the fields on every line logged inside, across awaits, and on none outside', async () => {
    const { logger, lines } = capturedLogger();
    logger.info('before');
    await withLogFields(
      { jobId: 'slot-9:streamer-4', cycleId: 'slot-9', streamerId: 4 },
      async () => {
        logger.info({ clientId: 'app' }, 'twitch_retry');
        await tick();
        logger.warn('after_an_await');
      },
    );
    logger.info('after');
    expect(
      lines().map(({ msg, jobId, cycleId, streamerId }) => ({ msg, jobId, cycleId, streamerId })),
    ).toEqual([
      { msg: 'before' },
      { msg: 'twitch_retry', jobId: 'slot-9:streamer-4', cycleId: 'slot-9', streamerId: 4 },
      { msg: 'after_an_await', jobId: 'slot-9:streamer-4', cycleId: 'slot-9', streamerId: 4 },
      { msg: 'after' },
    ]);
  });

  it('keeps concurrent jobs apart, and a nested context adds to the outer one', async () => {
    const { logger, lines } = capturedLogger();
    const job = (streamerId: number) =>
      withLogFields({ cycleId: 'c1' }, () =>
        withLogFields({ streamerId }, async () => {
          await tick();
          logger.info({ n: streamerId }, 'line');
        }),
      );
    await Promise.all([job(1), job(2), job(3)]);
    for (const line of lines()) expect(line).toMatchObject({ cycleId: 'c1', streamerId: line.n });
    expect(lines()).toHaveLength(3);
  });

  it("lets a line's own field win over the context's", async () => {
    const { logger, lines } = capturedLogger();
    await withLogFields({ streamerId: 1 }, () => {
      logger.info({ streamerId: 2 }, 'explicit');
      return Promise.resolve();
    });
    expect(lines()[0]).toMatchObject({ streamerId: 2 });
  });
});

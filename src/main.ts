import 'reflect-metadata';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { createHeadlessApp, createHttpApp } from './app.factory';
import { AppConfig, InvalidConfigError, loadConfig } from './config/configuration';
import { loadEnvFile } from './config/env-file';

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

async function bootstrap(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  const logger = new Logger('Bootstrap');

  if (config.app.roles.includes('api')) {
    const app = await createHttpApp(config);
    stopOnSignals(app, config);
    await app.listen(config.app.port, config.app.host);
    logger.log(
      { roles: config.app.roles, url: await app.getUrl(), embeddedDatabase: !config.database.url },
      'clipador_started',
    );
  } else {
    const app = await createHeadlessApp(config);
    stopOnSignals(app, config);
    await app.init();
    logger.log({ roles: config.app.roles }, 'clipador_started');
  }
}

/**
 * SIGTERM or SIGINT stops the process the orderly way: Nest's shutdown hooks stop the scheduler,
 * let the worker finish (or hand back) its jobs, close the HTTP server, then the queue, Redis and
 * database connections (and the embedded database with its lock). Then the process exits 0.
 *
 * Not Nest's `enableShutdownHooks`: it ends by re-raising the signal, so the exit status reads as
 * "killed by SIGTERM" rather than success, and it has no deadline. Here a stop that outlives
 * CLIPADOR_SHUTDOWN_TIMEOUT_MS, or a second signal, ends the process at once with status 1.
 */
function stopOnSignals(app: INestApplicationContext, config: AppConfig): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'clipador_stop_forced');
      process.exit(1);
    }
    stopping = true;
    const startedAt = Date.now();
    logger.log({ signal, timeoutMs: config.app.shutdownTimeoutMs }, 'clipador_stopping');
    // Closing a connection rejects the commands still waiting on it, and a library may leave
    // such a promise without a handler for a moment: Bull does when it closes its queue while
    // Redis is down (seen in the shutdown fault tests), which would end the stop with a crash
    // (status 1). While stopping, that is noise to record, not a reason to die.
    process.on('unhandledRejection', (reason: unknown) => {
      logger.warn(
        { err: (reason as Error)?.message ?? String(reason) },
        'stop_unhandled_rejection',
      );
    });
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.app.shutdownTimeoutMs }, 'clipador_stop_timed_out');
      exitAfterLogs(1);
    }, config.app.shutdownTimeoutMs);
    app.close().then(
      () => {
        clearTimeout(deadline);
        logger.log({ durationMs: Date.now() - startedAt }, 'clipador_stopped');
        exitAfterLogs(0);
      },
      (error: unknown) => {
        logger.error({ err: (error as Error)?.message ?? String(error) }, 'clipador_stop_failed');
        exitAfterLogs(1);
      },
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
}

/** Longest the process lingers after a stop for its last log lines and stray handles. */
const EXIT_LINGER_MS = 500;

/**
 * Ends the process with `code` once the event loop is empty, or after EXIT_LINGER_MS at the most.
 * Not `process.exit()` at once: the log destination writes asynchronously, and exiting at once can
 * drop the last lines or let a line still being written land after a later one (seen in the
 * shutdown fault tests). Whatever outlives the stop (a Twitch request abandoned by an interrupted
 * sync) cannot hold the exit longer than the linger.
 */
function exitAfterLogs(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_LINGER_MS).unref();
}

bootstrap().catch((error: unknown) => {
  // Configuration problems are the operator's to fix: print them plainly, without a stack trace.
  if (error instanceof InvalidConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Clipador failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});

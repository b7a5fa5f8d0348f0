import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createHeadlessApp, createHttpApp } from './app.factory';
import { InvalidConfigError, loadConfig } from './config/configuration';
import { loadEnvFile } from './config/env-file';

async function bootstrap(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  const logger = new Logger('Bootstrap');

  if (config.app.roles.includes('api')) {
    const app = await createHttpApp(config);
    app.enableShutdownHooks();
    await app.listen(config.app.port, config.app.host);
    logger.log(
      { roles: config.app.roles, url: await app.getUrl(), embeddedDatabase: !config.database.url },
      'clipador_started',
    );
  } else {
    const app = await createHeadlessApp(config);
    app.enableShutdownHooks();
    await app.init();
    logger.log({ roles: config.app.roles }, 'clipador_started');
  }
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

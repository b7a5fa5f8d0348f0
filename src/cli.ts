import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { InvalidConfigError, loadConfig } from './config/configuration';
import { loadEnvFile } from './config/env-file';

/** Any failure ends the process with a non-zero status and one plain line on stderr. */
function reportFailure(error: unknown): void {
  if (isCommanderError(error)) {
    // Commander has already printed usage or the parse error (exit code 0 for --help).
    process.exitCode = error.exitCode;
    return;
  }
  process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

/** Commander's own errors (duck-typed: nest-commander bundles its own copy of commander). */
function isCommanderError(error: unknown): error is { exitCode: number } {
  const { code, exitCode } = error as { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  const app = await CommandFactory.createWithoutRunning(CliModule.forRoot(config), {
    bufferLogs: true,
    cliName: 'clipador',
    errorHandler: (error) => {
      throw error;
    },
    serviceErrorHandler: reportFailure,
  });
  app.useLogger(app.get(Logger));
  try {
    await CommandFactory.runApplication(app);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof InvalidConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  reportFailure(error);
});

import { join } from 'node:path';
import { Child, describeExit, Exit } from './child';
import { NODE_MODULES, REPO_ROOT } from './build';
import { buildDir } from './run-dir';
import { freePort } from './servers';
import { TEST_JWT_SECRET } from '../../support/test-app';

/** One JSON line of the service's pino output. */
export interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

export interface ServiceOptions {
  name: string;
  /** CLIPADOR_* variables; APP_ENV=test, the test JWT secret and LOG_LEVEL=info are defaults. */
  env: Record<string, string | undefined>;
}

/**
 * A real Clipador process (`node main.js` from the run's build), as an operator runs it:
 * configured only through the environment, logging JSON lines to stdout, stopped by signals.
 */
export class ServiceProcess {
  private constructor(
    readonly name: string,
    readonly child: Child,
    /** The HTTP port when the process has the api role. */
    readonly port: number,
    /** The CLIPADOR_* variables it runs with. */
    readonly env: Record<string, string | undefined>,
  ) {}

  static async start(options: ServiceOptions): Promise<ServiceProcess> {
    const port = options.env.CLIPADOR_PORT ? Number(options.env.CLIPADOR_PORT) : await freePort();
    // Nothing of ours leaks in: no CLIPADOR_* of the jest process, no jest VM flags.
    const inherited = Object.entries(process.env).filter(
      ([name]) => !name.startsWith('CLIPADOR_') && name !== 'NODE_OPTIONS',
    );
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(inherited),
      NODE_PATH: NODE_MODULES,
      CLIPADOR_APP_ENV: 'test',
      CLIPADOR_JWT_SECRET: TEST_JWT_SECRET,
      CLIPADOR_LOG_LEVEL: 'info',
      CLIPADOR_HOST: '127.0.0.1',
      CLIPADOR_PORT: String(port),
      ...options.env,
    };
    const child = Child.start({
      name: options.name,
      command: process.execPath,
      args: [join(buildDir(), 'main.js')],
      env,
      cwd: REPO_ROOT,
    });
    const service = new ServiceProcess(options.name, child, port, options.env);
    await service.waitForLog((line) => line.msg === 'clipador_started', 30_000);
    return service;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every JSON log line so far. */
  logs(): LogLine[] {
    return this.child.lines.flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
  }

  /** The raw output, stdout and stderr, as one text (for searching it). */
  output(): string {
    return this.child.lines.join('\n');
  }

  async waitForLog(matches: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const line = await this.child.waitForLine((text) => {
      if (!text.startsWith('{')) return false;
      try {
        return matches(JSON.parse(text) as LogLine);
      } catch {
        return false;
      }
    }, timeoutMs);
    return JSON.parse(line) as LogLine;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.signal(signal);
  }

  /** Sends SIGTERM and waits for the exit (SIGKILL after `graceMs`). */
  async terminate(graceMs = 15_000): Promise<Exit> {
    return this.child.stop('SIGTERM', graceMs);
  }

  async kill(): Promise<Exit> {
    return this.child.stop('SIGKILL');
  }

  describe(): string {
    const exit = this.child.hasExited;
    return `${this.name} (${exit ? describeExit(exit) : 'running'}):\n${this.child.tail()}`;
  }
}

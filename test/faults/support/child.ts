import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { trackPid, untrackPid } from './run-dir';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Epoch ms of the exit. */
  at: number;
}

export interface ChildOptions {
  /** Shown in errors and in the pid file. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as the `postgres` user (PostgreSQL refuses to run as root). */
  asPostgres?: boolean;
}

const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const isRoot = process.getuid?.() === 0;

/**
 * A child process whose output is kept line by line. Where `setpriv` exists the child gets a
 * parent-death signal, so a jest worker that dies (crash, timeout, Ctrl-C) takes its servers with
 * it; the pid file covers the rest (see run-dir.ts).
 */
export class Child {
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
  ) {
    trackPid(process.pid!, name);
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': by then every line the process wrote has been read.
      process.on('close', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        untrackPid(process.pid!);
        this.notify();
        resolve(this.exit);
      });
    });
    for (const stream of [process.stdout, process.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const text = partial + chunk.toString('utf8');
        const parts = text.split('\n');
        partial = parts.pop() ?? '';
        this.lines.push(...parts);
        if (parts.length > 0) this.notify();
      });
    }
  }

  static start(options: ChildOptions): Child {
    let command = options.command;
    let args = options.args;
    if (hasSetpriv) {
      const user =
        options.asPostgres && isRoot
          ? ['--reuid', 'postgres', '--regid', 'postgres', '--init-groups']
          : [];
      args = [...user, '--pdeathsig', 'SIGKILL', '--', command, ...args];
      command = 'setpriv';
    } else if (options.asPostgres && isRoot) {
      args = ['-u', 'postgres', '--', command, ...args];
      command = 'runuser';
    }
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`Could not start ${options.name}`);
    return new Child(options.name, child);
  }

  get pid(): number {
    return this.process.pid!;
  }

  get hasExited(): Exit | undefined {
    return this.exit;
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exit) this.process.kill(signal);
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs` if it is still running. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with the first line (from the start) that `matches`; rejects on exit or timeout. */
  async waitForLine(matches: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.lines.length; seen++) {
        if (matches(this.lines[seen])) return this.lines[seen];
      }
      if (this.exit) {
        throw new Error(`${this.name} exited (${describeExit(this.exit)}):\n${this.tail()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.name}: timed out after ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  tail(count = 40): string {
    return this.lines.slice(-count).join('\n');
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

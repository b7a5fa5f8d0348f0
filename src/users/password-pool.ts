import { Worker } from 'node:worker_threads';
import { RateLimitedError } from '../common/errors/rate-limited.error';

/**
 * Password work (bcrypt, and the legacy pbkdf2) on a few worker threads, so that a burst of logins
 * never stalls the event loop that serves every other request. bcryptjs is pure JavaScript: on the
 * main thread each comparison blocks everything for its ~100 ms.
 *
 * Bounded: at most `size` tasks run and `maxQueue` wait; one more is refused at once with
 * `PasswordPoolBusyError` (429 `login_busy` with Retry-After) — load shedding instead of a queue
 * that grows until requests time out.
 *
 * Not piscina: it loads its workers from a file, which exists for the built service but not for
 * the TypeScript sources the tests and benchmarks run; the worker here is a few lines of plain
 * JavaScript started from a string, and the pool around it is what piscina would add (a fixed set
 * of threads, a bounded queue, a replacement for a thread that dies).
 */

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pbkdf2Sync } = require('node:crypto');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', ({ op, args }) => {
  try {
    let result;
    if (op === 'compare') result = bcrypt.compareSync(args[0], args[1]);
    else if (op === 'hash') result = bcrypt.hashSync(args[0], args[1]);
    else if (op === 'pbkdf2') result = pbkdf2Sync(args[0], Buffer.from(args[1], 'base64'), args[2], args[3], 'sha256').toString('base64');
    else throw new Error('unknown operation ' + op);
    parentPort.postMessage({ result });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
});
`;

export type PasswordOp =
  | { op: 'compare'; args: [password: string, hash: string] }
  | { op: 'hash'; args: [password: string, cost: number] }
  | { op: 'pbkdf2'; args: [password: string, saltBase64: string, rounds: number, length: number] };

type Result<T extends PasswordOp> = T['op'] extends 'compare' ? boolean : string;

interface Task {
  message: PasswordOp;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class PasswordPoolBusyError extends RateLimitedError {
  constructor(retryAfterSeconds: number) {
    super(
      'login_busy',
      'Too many password checks in progress; try again in a few seconds',
      retryAfterSeconds,
    );
  }
}

/** Duration of one task assumed before any was measured (bcrypt cost 11 on a slow core). */
const INITIAL_TASK_MS = 150;

export class PasswordWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task & { startedAt: number }>();
  private readonly queue: Task[] = [];
  private workers = 0;
  private closed = false;
  /** Moving average of a task's duration, for Retry-After. */
  private taskMs = INITIAL_TASK_MS;

  constructor(
    private readonly size: number,
    private readonly maxQueue: number,
  ) {}

  run<T extends PasswordOp>(message: T): Promise<Result<T>> {
    if (this.closed) return Promise.reject(new Error('The password pool is closed'));
    return new Promise<Result<T>>((resolve, reject) => {
      const task: Task = { message, resolve: resolve, reject };
      const worker = this.idle.pop() ?? (this.workers < this.size ? this.spawn() : undefined);
      if (worker) return this.dispatch(worker, task);
      if (this.queue.length >= this.maxQueue) {
        return reject(new PasswordPoolBusyError(this.retryAfterSeconds()));
      }
      this.queue.push(task);
    });
  }

  /** Tasks running and waiting (for tests and logs). */
  get load(): { running: number; queued: number } {
    return { running: this.running.size, queued: this.queue.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('The password pool is closed'));
    const all = [...this.idle, ...this.running.keys()];
    this.idle.length = 0;
    await Promise.all(all.map((worker) => worker.terminate()));
  }

  private retryAfterSeconds(): number {
    const waiting = this.queue.length + this.running.size;
    return Math.max(1, Math.ceil((waiting * this.taskMs) / this.size / 1000));
  }

  private spawn(): Worker {
    this.workers++;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { bcryptjs: require.resolve('bcryptjs') },
    });
    worker.on('message', (reply: { result?: unknown; error?: string }) =>
      this.settle(worker, reply),
    );
    worker.on('error', (error: Error) => this.lose(worker, error));
    worker.on('exit', (code) => this.lose(worker, new Error(`password worker exited (${code})`)));
    return worker;
  }

  private dispatch(worker: Worker, task: Task): void {
    this.running.set(worker, { ...task, startedAt: performance.now() });
    // Only a busy worker keeps the process alive: an idle pool never holds a CLI run open.
    worker.ref();
    worker.postMessage(task.message);
  }

  private settle(worker: Worker, reply: { result?: unknown; error?: string }): void {
    const task = this.running.get(worker);
    if (!task) return;
    this.running.delete(worker);
    this.taskMs = this.taskMs * 0.8 + (performance.now() - task.startedAt) * 0.2;
    if (reply.error !== undefined) task.reject(new Error(reply.error));
    else task.resolve(reply.result);
    const next = this.queue.shift();
    if (next) return this.dispatch(worker, next);
    worker.unref();
    this.idle.push(worker);
  }

  /** A worker that crashed or exited: its task fails, and a fresh worker takes the queue on. */
  private lose(worker: Worker, error: Error): void {
    const index = this.idle.indexOf(worker);
    const task = this.running.get(worker);
    if (index < 0 && !task) return;
    if (index >= 0) this.idle.splice(index, 1);
    this.running.delete(worker);
    this.workers--;
    task?.reject(error);
    if (this.closed) return;
    const next = this.queue.shift();
    if (next) this.dispatch(this.spawn(), next);
  }
}

import { DataSource } from 'typeorm';
import { ChangeGenerationsReader } from './change-generations';

/** A data source whose reads of the counters are answered by the test, one by one. */
function pendingReads() {
  const reads: Array<{
    resolve: (rows: Array<{ name: string; value: string }>) => void;
    reject: (error: Error) => void;
  }> = [];
  const dataSource = {
    query: () =>
      new Promise((resolve, reject) => {
        reads.push({ resolve, reject });
      }),
  } as unknown as DataSource;
  const answer = (index: number, users: number, bursts: number) =>
    reads[index].resolve([
      { name: 'users', value: String(users) },
      { name: 'bursts', value: String(bursts) },
      { name: 'channels', value: String(bursts * 10) },
    ]);
  return { reader: new ChangeGenerationsReader(dataSource), reads, answer };
}

/** Lets settled promises run their callbacks (the queued read is sent from one). */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('change generations reader', () => {
  it('reads both counters, as numbers', async () => {
    const { reader, answer } = pendingReads();
    const read = reader.read();
    answer(0, 3, 41);
    await expect(read).resolves.toEqual({ users: 3, bursts: 41, clips: 0, channels: 410 });
  });

  it('reads the clips counter too when the database has it', async () => {
    const { reader, reads } = pendingReads();
    const read = reader.read();
    reads[0].resolve([
      { name: 'users', value: '1' },
      { name: 'bursts', value: '2' },
      { name: 'clips', value: '9007199254' },
    ]);
    await expect(read).resolves.toEqual({ users: 1, bursts: 2, clips: 9007199254, channels: 0 });
  });

  it('lets callers that ask together share one query', async () => {
    const { reader, reads, answer } = pendingReads();
    const first = reader.read();
    expect(reads).toHaveLength(1);
    answer(0, 1, 1);
    await expect(first).resolves.toEqual({ users: 1, bursts: 1, clips: 0, channels: 10 });
    const [a, b, c] = [reader.read(), reader.read(), reader.read()];
    // a started a query; b and c arrived while it was in flight, so they wait for the next one.
    expect(reads).toHaveLength(2);
    answer(1, 1, 1);
    await expect(a).resolves.toEqual({ users: 1, bursts: 1, clips: 0, channels: 10 });
    await flush();
    expect(reads).toHaveLength(3);
    answer(2, 1, 2);
    await expect(b).resolves.toEqual({ users: 1, bursts: 2, clips: 0, channels: 20 });
    await expect(c).resolves.toEqual({ users: 1, bursts: 2, clips: 0, channels: 20 });
  });

  it('never hands a caller a read that was sent before it asked', async () => {
    const { reader, reads, answer } = pendingReads();
    const early = reader.read();
    // A commit happens here; the query already sent may or may not see it.
    const late = reader.read();
    answer(0, 0, 5);
    await expect(early).resolves.toEqual({ users: 0, bursts: 5, clips: 0, channels: 50 });
    await flush();
    expect(reads).toHaveLength(2);
    answer(1, 0, 6);
    await expect(late).resolves.toEqual({ users: 0, bursts: 6, clips: 0, channels: 60 });
  });

  it('fails the callers of a failed read and reads again for the next ones', async () => {
    const { reader, reads, answer } = pendingReads();
    const failing = reader.read();
    const queued = reader.read();
    reads[0].reject(new Error('connection lost'));
    await expect(failing).rejects.toThrow('connection lost');
    await flush();
    answer(1, 2, 2);
    await expect(queued).resolves.toEqual({ users: 2, bursts: 2, clips: 0, channels: 20 });
    const after = reader.read();
    answer(2, 2, 3);
    await expect(after).resolves.toEqual({ users: 2, bursts: 3, clips: 0, channels: 30 });
  });
});

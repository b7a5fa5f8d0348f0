/**
 * The live-feed benchmark's clients, in a process of their own (forked with IPC): one SSE
 * connection per access token, opened from several loopback source addresses in turn, each
 * recording when every `burst.created` reached it against the event's own `at` (its publication,
 * right after the sync's commit). Minimal parsing, as a browser's EventSource would do it.
 *
 * Messages: parent → {type:'open', url, tokensFile, addresses} → {type:'opened', ok, failed};
 * parent → {type:'delays', burstId} → {type:'delays', burstId, delaysMs:[…]}; → 'close'.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

interface OpenMessage {
  type: 'open';
  url: string;
  tokensFile: string;
  addresses: string[];
}

/** burst id → each client's delay in ms, in arrival order. */
const delays = new Map<number, number[]>();
const requests: Array<ReturnType<typeof request>> = [];

function openOne(url: string, token: string, localAddress: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/events`,
      {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
        localAddress,
        agent: new Agent({ keepAlive: false }),
      },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          resolve(false);
          return;
        }
        resolve(true);
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          const receivedAt = Date.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const record = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!record.includes('event: burst.created')) continue;
            const dataLine = record.split('\n').find((line) => line.startsWith('data: '));
            if (!dataLine) continue;
            const data = JSON.parse(dataLine.slice(6)) as { burst: { id: number }; at: string };
            const list = delays.get(data.burst.id) ?? [];
            list.push(receivedAt - Date.parse(data.at));
            delays.set(data.burst.id, list);
          }
        });
      },
    );
    req.on('error', () => resolve(false));
    req.end();
    requests.push(req);
  });
}

async function open(message: OpenMessage): Promise<void> {
  const tokens = JSON.parse(readFileSync(message.tokensFile, 'utf8')) as string[];
  let ok = 0;
  let failed = 0;
  // 50 handshakes at a time: what a crowd of dashboards reconnecting looks like, without a SYN flood.
  for (let i = 0; i < tokens.length; i += 50) {
    const batch = tokens
      .slice(i, i + 50)
      .map((token, j) =>
        openOne(message.url, token, message.addresses[(i + j) % message.addresses.length]),
      );
    for (const opened of await Promise.all(batch)) {
      if (opened) ok++;
      else failed++;
    }
  }
  process.send!({ type: 'opened', ok, failed });
}

type ParentMessage = OpenMessage | { type: 'delays'; burstId: number } | { type: 'close' };

process.on('message', (message: ParentMessage) => {
  if (message.type === 'open') void open(message);
  if (message.type === 'delays') {
    process.send!({
      type: 'delays',
      burstId: message.burstId,
      delaysMs: delays.get(message.burstId) ?? [],
    });
  }
  if (message.type === 'close') {
    for (const req of requests) req.destroy();
    process.exit(0);
  }
});

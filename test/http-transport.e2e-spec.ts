import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { HttpTimeoutError, HttpTransport } from '../src/twitch/http-transport';

/**
 * The Twitch client's HTTP transport against loopback servers that misbehave in the ways the
 * simulator's faults do not reach: a body that stalls after the headers, a connection lost
 * mid-body, a port nobody listens on.
 */
describe('HttpTransport', () => {
  let server: Server;
  let url: string;
  let handle: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  const sockets = new Set<Socket>();
  let connections = 0;
  const transport = new HttpTransport(300);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => handle(req, res, body));
    });
    server.on('connection', (socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    transport.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers status, headers by any case, and the body; sends a form body whole', async () => {
    handle = (req, res, body) => {
      res.writeHead(201, { 'Ratelimit-Remaining': '799', 'Content-Type': 'text/plain' });
      const { 'content-length': length = '', 'client-id': clientId = '' } = req.headers;
      res.end(`${req.method} ${length} ${body} ${String(clientId)}`);
    };
    const answer = await transport.send(`${url}/token`, {
      method: 'POST',
      headers: { 'Client-Id': 'abc', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=ä',
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('Ratelimit-Remaining')).toBe('799');
    expect(answer.headers.get('ratelimit-remaining')).toBe('799');
    expect(answer.headers.get('Ratelimit-Reset')).toBeNull();
    expect(answer.body).toBe('POST 8 a=1&b=ä abc');
  });

  it('keeps the connection alive between requests', async () => {
    handle = (_req, res) => res.end('ok');
    await transport.send(url, { method: 'GET', headers: {} });
    const before = connections;
    await transport.send(url, { method: 'GET', headers: {} });
    await transport.send(url, { method: 'GET', headers: {} });
    expect(connections).toBe(before);
  });

  it('sends once more, on a new connection, when a kept-alive one turns out closed', async () => {
    // The server drops every connection on its second request without answering, as a server
    // does that closed an idle connection just as the client reused it.
    const served = new WeakMap<Socket, number>();
    handle = (req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count === 2) req.socket.destroy();
      else res.end(`request ${count} on its connection`);
    };
    const before = connections;
    expect((await transport.send(url, { method: 'GET', headers: {} })).body).toBe(
      'request 1 on its connection',
    );
    expect((await transport.send(url, { method: 'GET', headers: {} })).body).toBe(
      'request 1 on its connection',
    );
    expect(connections - before).toBeLessThanOrEqual(2);
    // Resent once only: a server that keeps dropping fails the request.
    handle = (req) => req.socket.destroy();
    await expect(transport.send(url, { method: 'GET', headers: {} })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
  });

  it('times out a server that sends the headers and then stalls the body', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"data":[');
    };
    const started = Date.now();
    const failure = transport.send(url, { method: 'GET', headers: {} });
    await expect(failure).rejects.toBeInstanceOf(HttpTimeoutError);
    await expect(failure).rejects.toThrow('timeout after 300 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('fails at once, with a network error code, when the connection is lost mid-body', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"data":[', () => res.socket?.destroy());
    };
    const started = Date.now();
    await expect(transport.send(url, { method: 'GET', headers: {} })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('fails with ECONNREFUSED where nobody listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      transport.send(`http://127.0.0.1:${port}`, { method: 'GET', headers: {} }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

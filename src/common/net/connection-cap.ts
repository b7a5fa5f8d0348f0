import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The HTTP connection cap, with long-lived streams (the live feed's SSE, PRODUCT §17) counted
 * apart: `maxConnections` bounds ordinary connections, `maxStreams` the streams, and a socket that
 * starts a stream moves from the first count to the second (and back when the stream ends on a
 * socket that stays open). Node's own `server.maxConnections` is set to the sum, the hard ceiling
 * at accept; past `maxConnections` ordinary sockets a new one is closed at once, as Node does.
 */
export class ConnectionCap {
  private open = 0;
  private streams = 0;
  private readonly streaming = new WeakSet<Socket>();

  constructor(
    private readonly maxConnections: number,
    readonly maxStreams: number,
  ) {}

  /** Ordinary sockets open now (streams not counted). */
  get connections(): number {
    return this.open - this.streams;
  }

  get streamCount(): number {
    return this.streams;
  }

  install(server: Server): void {
    server.maxConnections = this.maxConnections + this.maxStreams;
    caps.set(server, this);
    // Before Node's own listener, so a refused socket is never parsed.
    server.prependListener('connection', (socket: Socket) => {
      if (this.connections >= this.maxConnections) {
        socket.destroy();
        return;
      }
      this.open++;
      socket.once('close', () => {
        this.open--;
        if (this.streaming.delete(socket)) this.streams--;
      });
    });
  }

  /**
   * Moves the socket into the streams' count; false when every stream slot is taken. The socket
   * is also exempt from the idle timeout: a stream is silent between heartbeats by design.
   */
  takeStream(socket: Socket): boolean {
    if (this.streaming.has(socket)) return true;
    if (this.streams >= this.maxStreams) return false;
    this.streaming.add(socket);
    this.streams++;
    socket.setTimeout(0);
    return true;
  }

  /** The stream on this socket ended while the socket stays open (keep-alive). */
  releaseStream(socket: Socket): void {
    if (this.streaming.delete(socket)) this.streams--;
  }
}

const caps = new WeakMap<Server, ConnectionCap>();

/** The cap installed on this server, if any (an app built without createFastifyAdapter has none). */
export function connectionCapOf(server: Server): ConnectionCap | undefined {
  return caps.get(server);
}

import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder in front of a server (Postgres, Temporal) that a test can make hang or vanish:
 * `hang()` keeps every connection open but passes nothing more either way (a stalled server or a
 * black-holed network: what timeouts are for); `close()`/`open()` refuse and accept connections (a
 * server that is down, then back, on the same port).
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private hanging = false;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts forwarding 127.0.0.1:`port` (0: any free port) to the target; `listening: false` starts it down. */
  static async start(target: { host: string; port: number }, options: { port?: number; listening?: boolean } = {}) {
    const proxy = new TcpProxy(options.port ?? 0, target);
    if (options.listening !== false) await proxy.open();
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    (this as { port: number }).port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops accepting and cuts every open connection (the server went away). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Nothing passes any more, in either direction, on old or new connections; nothing is closed either. */
  hang(): void {
    this.hanging = true;
    for (const socket of this.sockets) socket.pause();
  }

  resume(): void {
    this.hanging = false;
    for (const socket of this.sockets) socket.resume();
  }

  private accept(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk) => to.write(chunk));
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
      from.on('error', () => to.destroy());
      if (this.hanging) from.pause();
    }
  }
}

import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The listen/close lifecycle both simulators share: one HTTP server at a time for a request handler. */
export class SimulatorServer {
  private server: Server | undefined;

  constructor(private readonly handler: RequestListener) {}

  /** Starts listening (port 0 picks a free one) and returns the base URL, an IPv6 host in brackets. */
  async listen(port: number, host: string): Promise<string> {
    const server = createServer(this.handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port: bound } = server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  }

  /** Stops listening; open connections are dropped first, else keep-alive or hanging ones would hold close up. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }
}

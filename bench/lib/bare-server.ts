import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type RequestListener } from 'node:http';
import path from 'node:path';
import express from 'express';

/**
 * The baseline for the ingest benchmark: an endpoint that reads the whole request body and answers 200
 * with the same small JSON our webhook endpoint sends, and does nothing else (no signature, no parsing,
 * no storage). Two flavours: `express` (the framework family of our API, with a body parser) and `http`
 * (node:http alone, like our webhook receiver which runs before Express). Run as its own process, the
 * way our api runs, so neither shares an event loop with the load generator or the bench.
 * Usage: node --import tsx bench/lib/bare-server.ts <express|http> <port>  → prints "bare listening <port>".
 */
export type BareKind = 'express' | 'http';

const OK = JSON.stringify({ ok: true });

function expressHandler(): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.post('/intercom/webhooks', express.raw({ type: () => true, limit: '1mb' }), (_req, res) => {
    res.status(200).type('application/json').send(OK);
  });
  return app;
}

const httpHandler: RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    Buffer.concat(chunks); // read it all, as our endpoint does
    res.writeHead(200, { 'content-type': 'application/json' }).end(OK);
  });
  req.on('error', () => res.destroy());
};

/** Starts the bare server as a child process and resolves once it listens. */
export class BareServerProcess {
  private child?: ChildProcess;

  constructor(
    readonly kind: BareKind,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/intercom/webhooks`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, this.kind, String(this.port)], {
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bare ${this.kind} server did not start:\n${output}`)), 30_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('bare listening')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`bare ${this.kind} server exited with ${code}:\n${output}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

if (require.main === module) {
  const kind = (process.argv[2] ?? 'express') as BareKind;
  const port = Number(process.argv[3] ?? 0);
  const server = createServer(kind === 'http' ? httpHandler : expressHandler());
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`bare listening ${typeof address === 'object' && address ? address.port : port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

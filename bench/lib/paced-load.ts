import { createHmac } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { readLoadOptions } from './load-options';
import { notificationBody, type LoadOptions } from './webhook-load';

/**
 * An open-loop, evenly paced webhook generator, for latency at a fixed rate. autocannon's `rate`
 * lets each connection send its per-second quota back to back at the top of every second (bursts at
 * full speed, then silence) and records latencies with a 1 ms coordinated-omission correction; this
 * one sends request i at start + i/rate, whatever came back, and measures each latency from that
 * scheduled time (a request waiting for a free connection counts its wait). Same bodies and
 * signatures as webhook-load.ts, over `connections` keep-alive connections with a minimal HTTP/1.1
 * client (like autocannon's: the generator must stay cheap), in its own process.
 * With `stampScheduledTime`, each notification carries its scheduled send time (the contact's `name`, as in
 * webhook-load.ts), so end-to-end latency is measured from when it was due; such requests are signed as they go.
 * Usage: node --import tsx bench/lib/paced-load.ts <options.json or JSON PacedLoadOptions> → prints PacedResult JSON.
 */
export interface PacedResult {
  rate: number;
  durationSeconds: number;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p90: number; p99: number; max: number };
}

export type PacedLoadOptions = LoadOptions & { rate: number; stampScheduledTime?: boolean };

export async function runPacedLoad(options: PacedLoadOptions): Promise<PacedResult> {
  const url = new URL(options.url);
  const users = options.users ?? 1000;
  const intervalMs = 1000 / options.rate;
  const durationMs = options.durationSeconds * 1000;
  const total = Math.ceil(durationMs / intervalMs);
  const build = (i: number, now: number) => {
    const body = notificationBody(options, i + 1, users, now);
    const signature = `sha1=${createHmac('sha1', options.secret).update(body).digest('hex')}`;
    return Buffer.from(
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Hub-Signature: ${signature}\r\n\r\n${body}`,
    );
  };
  // Otherwise requests are built and signed up front, so sending costs the generator little CPU.
  const prebuilt = options.stampScheduledTime ? [] : Array.from({ length: total }, (_, i) => build(i, Date.now()));
  let epochStart = 0;
  const requestFor = (i: number) => prebuilt[i] ?? build(i, Math.round(epochStart + i * intervalMs));

  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let answered = 0;
  const waiting: number[] = []; // indexes due but not yet sent (every connection busy)
  const idle: Connection[] = [];
  const start = performance.now();
  epochStart = Date.now();
  const scheduledAt = (i: number) => start + i * intervalMs;

  /** One keep-alive connection, one request at a time; responses are parsed just enough to find their end. */
  class Connection {
    private readonly socket: net.Socket;
    private buffer: Buffer = Buffer.alloc(0);
    private current: number | undefined;

    constructor() {
      this.socket = net.connect(Number(url.port), url.hostname);
      this.socket.setNoDelay(true);
      this.socket.on('data', (chunk: Buffer) => this.read(chunk));
      this.socket.on('error', () => {
        if (this.current !== undefined) {
          errors += 1;
          answered += 1;
          this.current = undefined;
        }
      });
    }

    send(index: number): void {
      this.current = index;
      sent += 1;
      this.socket.write(requestFor(index));
    }

    private read(chunk: Buffer): void {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.buffer.toString('latin1', 0, headEnd);
      let end: number;
      if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        // Small bodies: find the last chunk (node answers writeHead().end(body) this way).
        const last = this.buffer.indexOf('\r\n0\r\n\r\n', headEnd + 2);
        if (last < 0) return;
        end = last + 7;
      } else {
        end = headEnd + 4 + Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (this.buffer.length < end) return;
      }
      this.buffer = this.buffer.subarray(end);
      const status = Number(head.slice(9, 12));
      latencies.push(performance.now() - scheduledAt(this.current!));
      if (status >= 200 && status < 300) ok += 1;
      else non2xx += 1;
      answered += 1;
      this.current = undefined;
      const next = waiting.shift();
      if (next !== undefined) this.send(next);
      else idle.push(this);
    }

    close(): void {
      this.socket.destroy();
    }
  }

  const connections = Array.from({ length: options.connections }, () => new Connection());
  idle.push(...connections);
  let due = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (due < total && scheduledAt(due) <= now) {
        const connection = idle.pop();
        if (connection) connection.send(due);
        else waiting.push(due);
        due += 1;
      }
      if (due < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const drainDeadline = performance.now() + 30_000;
  while (answered < sent + waiting.length && performance.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  connections.forEach((c) => c.close());

  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies.length === 0
      ? NaN
      : Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1));
  return {
    rate: options.rate,
    durationSeconds: options.durationSeconds,
    sent,
    ok,
    non2xx,
    errors,
    latency: { p50: at(50), p90: at(90), p99: at(99), max: at(100) },
  };
}

if (require.main === module) {
  runPacedLoad(readLoadOptions<PacedLoadOptions>(process.argv[2])).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (err) => {
      process.stderr.write(String(err));
      process.exit(1);
    },
  );
}

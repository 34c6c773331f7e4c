import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Draws docs/performance.svg from the latest bench/results/*.json: throughput (ours next to its
 * baseline) and latency percentiles. Plain SVG, no dependencies.
 */
const results = path.join(__dirname, 'results');
const read = (name: string) => {
  const file = path.join(results, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>) : undefined;
};
const e2e = read('e2e');
const ingest = read('ingest');
const destination = read('destination');

type Bar = { label: string; value: number; color: string };
const throughput: Bar[] = [];
if (ingest?.max?.express)
  throughput.push({ label: 'bare Express answering 200', value: ingest.max.express.okPerSecond, color: '#9aa5b1' });
if (ingest?.max?.ours)
  throughput.push({ label: 'our webhook acks (stored)', value: ingest.max.ours.okPerSecond, color: '#3b82f6' });
if (e2e)
  throughput.push({ label: 'e2e delivered (measured)', value: e2e.deliveredPerSecondSustained, color: '#10b981' });
if (e2e?.projectedServiceEventsPerSecondOnTwoCores)
  throughput.push({
    label: 'e2e, service alone (projected)',
    value: e2e.projectedServiceEventsPerSecondOnTwoCores,
    color: '#a7f3d0',
  });
if (destination?.eventsPerSecond)
  throughput.push({ label: 'destination (Intercom limit)', value: destination.eventsPerSecond, color: '#f59e0b' });

const latency: Bar[] = [];
if (ingest?.half?.ours)
  latency.push({ label: `ack p99 at ${ingest.halfRate}/s`, value: ingest.half.ours.latencyMs.p99, color: '#3b82f6' });
if (e2e) {
  latency.push({ label: `e2e p50 at ${e2e.e2eLatencyMs.rate}/s`, value: e2e.e2eLatencyMs.p50, color: '#6ee7b7' });
  latency.push({ label: `e2e p99 at ${e2e.e2eLatencyMs.rate}/s`, value: e2e.e2eLatencyMs.p99, color: '#10b981' });
}

function chart(title: string, unit: string, bars: Bar[], x: number, y: number, width: number): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowHeight = 30;
  const labelWidth = 230;
  const rows = bars
    .map((bar, i) => {
      const w = ((width - labelWidth - 80) * bar.value) / max;
      const top = y + 30 + i * rowHeight;
      return [
        `<text x="${x}" y="${top + 17}" font-size="13">${escape(bar.label)}</text>`,
        `<rect x="${x + labelWidth}" y="${top + 4}" width="${w.toFixed(1)}" height="18" fill="${bar.color}" rx="3"/>`,
        `<text x="${x + labelWidth + w + 6}" y="${top + 17}" font-size="13">${Math.round(bar.value).toLocaleString('en')} ${unit}</text>`,
      ].join('');
    })
    .join('\n');
  return `<text x="${x}" y="${y + 16}" font-size="15" font-weight="600">${escape(title)}</text>\n${rows}`;
}

function escape(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

const width = 760;
const height = 80 + (throughput.length + latency.length) * 30 + 60;
const machine = e2e?.machine
  ? `${e2e.machine.cpus} cores (${e2e.machine.cpu}), Node ${e2e.machine.node}, ${String(e2e.date).slice(0, 10)}`
  : '';
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif">
<rect width="100%" height="100%" fill="white"/>
${chart('Throughput (events or acks per second)', '/s', throughput, 20, 10, width)}
${chart('Latency (milliseconds)', 'ms', latency, 20, 40 + throughput.length * 30, width)}
<text x="20" y="${height - 12}" font-size="11" fill="#555">${escape(machine)} — load generator, simulators, Postgres, Temporal, api and worker all on this one machine</text>
</svg>
`;
writeFileSync(path.join(__dirname, '..', 'docs', 'performance.svg'), svg);
process.stdout.write('docs/performance.svg written\n');

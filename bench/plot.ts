import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Draws docs/performance.svg from the latest bench/results/*.json: throughput (ours next to both
 * baselines) and latency percentiles, each the median of the runs. Plain SVG, no dependencies.
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
/** The median of a summarised figure (bench/lib/runs.ts), or undefined when the result lacks it. */
const median = (result: Record<string, any> | undefined, name: string): number | undefined =>
  result?.summary?.[name]?.median;
const add = (bars: Bar[], label: string, value: number | undefined, color: string) => {
  if (value !== undefined) bars.push({ label, value, color });
};

const throughput: Bar[] = [];
add(throughput, 'bare node:http answering 200', median(ingest, 'bareHttpPerSecondAtMaxLoad'), '#cbd2d9');
add(throughput, 'bare Express answering 200', median(ingest, 'bareExpressPerSecondAtMaxLoad'), '#9aa5b1');
add(throughput, 'our webhook acks (stored)', median(ingest, 'oursPerSecondAtMaxLoad'), '#3b82f6');
add(throughput, 'e2e delivered (measured)', median(e2e, 'deliveredPerSecondSustained'), '#10b981');
add(throughput, 'e2e, service alone (projected)', median(e2e, 'projectedServiceEventsPerSecondOnTwoCores'), '#a7f3d0');
add(throughput, 'destination (Intercom limit)', median(destination, 'eventsPerSecond'), '#f59e0b');

const latency: Bar[] = [];
const halfRate = Math.round(median(ingest, 'halfRate') ?? 0);
add(latency, `ack p99 at ${halfRate}/s, evenly paced`, median(ingest, 'oursP99MsAtHalfRatePaced'), '#3b82f6');
add(latency, `e2e p50 at ${e2e?.rate}/s`, median(e2e, 'e2eP50Ms'), '#6ee7b7');
add(latency, `e2e p99 at ${e2e?.rate}/s`, median(e2e, 'e2eP99Ms'), '#10b981');

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
  ? `medians of ${e2e.runs} runs, commit ${String(e2e.commit).slice(0, 8)}${e2e.dirty ? ' (dirty)' : ''}, ` +
    `${e2e.machine.cpus} cores (${e2e.machine.cpu}), Node ${e2e.machine.node}, ${String(e2e.date).slice(0, 10)}`
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

/**
 * docs/tenants.svg: e2e p99 against the number of source connections at one rate, from
 * bench/results/tenants-sweep.json (this code) and the code before delivery shards: tenants-sweep-before.json when
 * the same sweep was run against it, else bench/baselines/tenants-sweep-before.json (issue 9's figures). Log scales.
 * A series with no points (an older result without bursts) draws nothing.
 */
function sweepChart(): string | undefined {
  const after = read('tenants-sweep');
  if (!after) return undefined;
  // A side-by-side run of the old code when there is one; otherwise the figures issue 9 measured before the change.
  const measuredBefore = read('tenants-sweep-before');
  const reportedBefore = JSON.parse(
    readFileSync(path.join(__dirname, 'baselines', 'tenants-sweep-before.json'), 'utf8'),
  ) as Record<string, any>;
  const before = measuredBefore
    ? {
        label: `one delivery per connection (commit ${String(measuredBefore.commit).slice(0, 8)})`,
        result: measuredBefore,
      }
    : { label: 'one delivery per connection (as measured in issue 9)', result: reportedBefore };
  // The figures before were sent as autocannon sends a rate (each second's webhooks in one burst): the shards'
  // figures are drawn both that way (like for like) and evenly paced (the headline).
  const series = [
    {
      label: `delivery shards, evenly paced (commit ${String(after.commit).slice(0, 8)})`,
      result: after,
      metric: 'e2eP99Ms',
      color: '#10b981',
    },
    {
      label: `delivery shards, top-of-second bursts (commit ${String(after.commit).slice(0, 8)})`,
      result: after,
      metric: 'burstE2eP99Ms',
      color: '#0ea5e9',
    },
    { ...before, metric: 'e2eP99Ms', color: '#ef4444' },
  ];
  const points = series.map((s) => ({
    ...s,
    xy: (s.result.points as { connections: number; summary: Record<string, { median: number }> }[]).map((p) => ({
      x: p.connections,
      y: p.summary[s.metric]?.median ?? NaN,
    })),
  }));
  const all = points.flatMap((p) => p.xy).filter((p) => Number.isFinite(p.y) && p.y > 0);
  const [w, h, left, top, right, bottom] = [760, 360, 70, 40, 30, 60];
  const xs = all.map((p) => Math.log10(p.x));
  const ys = all.map((p) => Math.log10(p.y));
  const [x0, x1] = [Math.min(0, ...xs), Math.max(...xs)];
  const [y0, y1] = [Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys, 3))];
  const px = (x: number) => left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (w - left - right);
  const py = (y: number) => h - bottom - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (h - top - bottom);
  const grid = Array.from({ length: y1 - y0 + 1 }, (_, i) => 10 ** (y0 + i))
    .map(
      (v) =>
        `<line x1="${left}" x2="${w - right}" y1="${py(v)}" y2="${py(v)}" stroke="#e5e7eb"/><text x="${left - 8}" y="${py(v) + 4}" font-size="11" text-anchor="end">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`,
    )
    .join('\n');
  const xTicks = [...new Set(all.map((p) => p.x))]
    .map((x) => `<text x="${px(x)}" y="${h - bottom + 18}" font-size="11" text-anchor="middle">${x}</text>`)
    .join('\n');
  const target = `<line x1="${left}" x2="${w - right}" y1="${py(1000)}" y2="${py(1000)}" stroke="#f59e0b" stroke-dasharray="6 4"/><text x="${w - right}" y="${py(1000) - 6}" font-size="11" text-anchor="end" fill="#b45309">target p99 ≤ 1 s</text>`;
  const lines = points
    .map((s, i) => {
      const valid = s.xy.filter((p) => Number.isFinite(p.y) && p.y > 0);
      const path = valid.map((p, j) => `${j ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
      const dots = valid.map((p) => `<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3.5" fill="${s.color}"/>`).join('');
      return `<path d="${path}" stroke="${s.color}" stroke-width="2.5" fill="none"/>${dots}<text x="${left + 10}" y="${top + 16 + i * 18}" font-size="12" fill="${s.color}">${escape(s.label)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="system-ui, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="22" font-size="15" font-weight="600">e2e p99 (webhook sent → Amplitude received) at ${after.rate}/s, by number of source connections</text>
${grid}
${xTicks}
<text x="${(w + left) / 2}" y="${h - 20}" font-size="12" text-anchor="middle">source connections (log scale), the same total rate spread over them</text>
${target}
${lines}
</svg>
`;
}

const tenantsSvg = sweepChart();
if (tenantsSvg) {
  writeFileSync(path.join(__dirname, '..', 'docs', 'tenants.svg'), tenantsSvg);
  process.stdout.write('docs/tenants.svg written\n');
}

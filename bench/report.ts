import type { RunResult } from './drive.ts';
import type { GroupFigures } from './proc.ts';

// The Markdown form of a benchmark run: the headline ratios, then throughput and order latency,
// the latency of each step, and what each process spent.

export interface LevelRecord extends RunResult {
  system: string;
  takenAt: string;
  loadAverage1m: number;
  transactionsPerOrder: number | null;
  historyEventsPerOrder: number | null;
  resources: Record<string, GroupFigures>;
  /** further counts seen after the level */
  observed?: Record<string, number>;
}

interface Run { startedAt: Date; finishedAt: Date; machine: Record<string, unknown>; records: LevelRecord[]; settings: { temporalConfig: string[]; stackEnv: string[] } }

const q = (x?: { p50: number; p95: number; p99: number }) => (x ? `${x.p50} / ${x.p95} / ${x.p99}` : '–');
const time = (iso: string) => `${iso.slice(11, 19)}Z`;

export function toMarkdown(run: Run): string {
  const { records: r } = run;
  const at = (system: string, c: number) => r.find((x) => x.system === system && x.concurrency === c);
  const levels = [...new Set(r.map((x) => x.concurrency))];
  const out: string[] = [];
  const m = run.machine;
  out.push(`Run of ${run.startedAt.toISOString().slice(0, 16)}Z–${run.finishedAt.toISOString().slice(11, 16)}Z on ${m.cpus} × ${m.cpuModel}, ` +
    `${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}. Other work on the machine shows in the 1-minute load average at the start of each level, in the table.`);
  const set = [...run.settings.temporalConfig.map((x) => `Temporal ${x}`), ...run.settings.stackEnv];
  out.push('', `Settings beyond the defaults: ${set.length ? set.map((x) => `\`${x}\``).join(', ') : 'none'}.`);

  out.push('', '| concurrency | spareflow orders/s | floor orders/s | DBOS peer orders/s | spareflow / floor | spareflow / peer |', '| --- | --- | --- | --- | --- | --- |');
  for (const c of levels) {
    const s = at('spareflow', c)?.ordersPerSecond;
    const f = at('floor', c)?.ordersPerSecond;
    const p = at('dbos peer', c)?.ordersPerSecond;
    const ratio = (a?: number, b?: number) => (a && b ? (a / b).toFixed(2) : '–');
    out.push(`| ${c} | ${s ?? '–'} | ${f ?? '–'} | ${p ?? '–'} | ${ratio(s, f)} | ${ratio(s, p)} |`);
  }

  out.push('', '| system | concurrency | taken at | load 1m | orders | orders/s | order p50 / p95 / p99 ms | transactions / order | history events / order | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of r) {
    out.push(`| ${x.system} | ${x.concurrency} | ${time(x.takenAt)} | ${x.loadAverage1m} | ${x.completed}/${x.orders} | ${x.ordersPerSecond} | ${q(x.latencyMs.order)} | ` +
      `${x.transactionsPerOrder ?? '–'} | ${x.historyEventsPerOrder ?? '–'} | ${x.errors.length} |`);
  }

  out.push('', 'Latency of each step, p50 / p95 / p99 ms (HTTP calls for spareflow and the peer, transactions for the floor):', '');
  for (const system of [...new Set(r.map((x) => x.system))]) {
    const rows = r.filter((x) => x.system === system);
    const steps = [...new Set(rows.flatMap((x) => Object.keys(x.latencyMs)))].filter((s) => s !== 'order');
    out.push(`| ${system}: step | ${rows.map((x) => `C=${x.concurrency}`).join(' | ')} |`, `| --- |${rows.map(() => ' --- |').join('')}`);
    for (const s of steps) out.push(`| ${s} | ${rows.map((x) => q(x.latencyMs[s])).join(' | ')} |`);
    out.push('');
  }

  out.push('CPU seconds and peak RSS (MiB) per process group over each level (PostgreSQL: the backends of the bench databases, private memory):', '',
    '| system | concurrency | ' + 'process: CPU s / peak RSS MiB / CPU ms per order |', '| --- | --- | --- |');
  for (const x of r) {
    const parts = Object.entries(x.resources).map(([k, v]) => `${k} ${v.cpuSeconds} s / ${v.peakRssMiB} / ${x.completed ? ((v.cpuSeconds * 1000) / x.completed).toFixed(1) : '–'}`);
    out.push(`| ${x.system} | ${x.concurrency} | ${parts.join('; ')} |`);
  }

  const observed = r.filter((x) => x.observed).map((x) => `${x.system} C=${x.concurrency}: ${Object.entries(x.observed!).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (observed.length) out.push('', `Observed after each level:\n\n${observed.map((e) => `- ${e}`).join('\n')}`);
  const retries = r.flatMap((x) => Object.entries(x.retries).map(([k, v]) => `${x.system} C=${x.concurrency}: ${v} × ${k}`));
  if (retries.length) out.push('', `Retries by the client (not errors; each tried again and went through):\n\n${retries.map((e) => `- ${e}`).join('\n')}`);
  const errors = r.flatMap((x) => x.errors.map((e) => `${x.system} C=${x.concurrency} order ${e.order} at ${e.step}: ${e.message}`));
  out.push('', errors.length ? `Errors (${errors.length}):\n\n${errors.slice(0, 30).map((e) => `- ${e}`).join('\n')}` : 'Errors: none.');
  return out.join('\n') + '\n';
}

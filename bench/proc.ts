import fs from 'node:fs';

import pg from 'pg';

// CPU time and memory of the processes under load, read from /proc (Linux only). A sampler reads
// every few hundred milliseconds, so a peak RSS is the highest sample, and CPU seconds are the
// growth of utime + stime over a measured stretch.

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86-64

export interface ProcSample { cpuSeconds: number; rssBytes: number }

/** utime + stime and resident memory of one process; null when it has gone */
export function readProc(pid: number, memory: 'rss' | 'private' = 'rss'): ProcSample | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    const rssBytes = (memory === 'rss' ? kb('VmRSS') : kb('RssAnon')) * 1024;
    return { cpuSeconds, rssBytes };
  } catch {
    return null;
  }
}

export interface GroupFigures { cpuSeconds: number; peakRssMiB: number; rssStartMiB: number; rssEndMiB: number }

/**
 * One measured group of processes: a fixed pid (API, worker, Temporal) or the PostgreSQL
 * backends serving the given databases, found in pg_stat_activity at each sample. Backends share
 * the buffer cache, so their memory is counted as private (RssAnon) to count nothing twice.
 */
export class ProcGroup {
  private first = new Map<number, number>();
  private last = new Map<number, number>();
  private peak = 0;
  private rssStart: number | null = null;
  private rssLast = 0;

  constructor(readonly name: string, private pids: () => Promise<number[]>, private memory: 'rss' | 'private' = 'rss') {}

  async sample(): Promise<void> {
    let rss = 0;
    for (const pid of await this.pids()) {
      const s = readProc(pid, this.memory);
      if (!s) continue;
      // a backend first seen now was forked during the stretch: all of its time is in it
      if (!this.first.has(pid)) this.first.set(pid, this.started ? 0 : s.cpuSeconds);
      this.last.set(pid, s.cpuSeconds);
      rss += s.rssBytes;
    }
    this.rssStart ??= rss;
    this.rssLast = rss;
    this.peak = Math.max(this.peak, rss);
  }

  private started = false;

  /** starts a stretch: CPU counted from here, peak reset */
  async begin(): Promise<void> {
    this.first.clear();
    this.last.clear();
    this.peak = 0;
    this.rssStart = null;
    this.started = false;
    await this.sample();
    this.started = true;
  }

  figures(): GroupFigures {
    let cpu = 0;
    for (const [pid, end] of this.last) cpu += end - (this.first.get(pid) ?? end);
    const mib = (b: number) => +(b / 1024 / 1024).toFixed(1);
    return { cpuSeconds: +cpu.toFixed(2), peakRssMiB: mib(this.peak), rssStartMiB: mib(this.rssStart ?? 0), rssEndMiB: mib(this.rssLast) };
  }
}

export const fixedPid = (pid: number | undefined) => async () => (pid ? [pid] : []);

/** the pids of the server processes that serve these databases right now */
export function backendsOf(admin: pg.Client, databases: string[]) {
  return async () => {
    const r = await admin.query('select pid from pg_stat_activity where datname = any($1) and pid <> pg_backend_pid()', [databases]);
    return r.rows.map((row: { pid: number }) => row.pid);
  };
}

/** samples every group until stopped */
export function sampleEvery(groups: ProcGroup[], ms = 250): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(groups.map((g) => g.sample().catch(() => undefined)));
      await new Promise((r) => setTimeout(r, ms));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await Promise.all(groups.map((g) => g.sample().catch(() => undefined)));
    },
  };
}

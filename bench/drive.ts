import { performance } from 'node:perf_hooks';

// Running orders at a given concurrency, and the figures of a run: per-step latency quantiles,
// orders per second, errors. The same code measures spareflow, the DBOS peer and the floor;
// only the function that takes one order through its steps differs.

export interface Quantiles { p50: number; p95: number; p99: number; n: number }

export function quantiles(ms: number[]): Quantiles {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : 0);
  return { p50: +q(0.5).toFixed(1), p95: +q(0.95).toFixed(1), p99: +q(0.99).toFixed(1), n: s.length };
}

/** timings of one order's steps; a step is any named stretch (an HTTP call, a transaction) */
export class Timings {
  readonly steps = new Map<string, number[]>();
  readonly errors: { order: number; step: string; message: string }[] = [];
  /** refusals the client waited out and tried again, by reason */
  readonly retries = new Map<string, number>();

  retried(reason: string) {
    this.retries.set(reason, (this.retries.get(reason) ?? 0) + 1);
  }

  add(step: string, ms: number) {
    let list = this.steps.get(step);
    if (!list) this.steps.set(step, (list = []));
    list.push(ms);
  }

  async time<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(step, performance.now() - t0);
    }
  }
}

export interface RunResult {
  concurrency: number;
  orders: number;
  completed: number;
  seconds: number;
  ordersPerSecond: number;
  latencyMs: Record<string, Quantiles>;
  errors: { order: number; step: string; message: string }[];
  retries: Record<string, number>;
}

/**
 * Runs `count` orders with `concurrency` in flight, each through `one`. Bounded twice: by the
 * count, and by `maxSeconds`, after which no new order starts.
 */
export async function runOrders(concurrency: number, count: number, maxSeconds: number,
  one: (i: number, t: Timings) => Promise<void>): Promise<RunResult> {
  const t = new Timings();
  let next = 0;
  let completed = 0;
  const start = performance.now();
  const deadline = start + maxSeconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < count && performance.now() < deadline; i = next++) {
      const t0 = performance.now();
      try {
        await one(i, t);
        t.add('order', performance.now() - t0);
        completed++;
      } catch (err) {
        t.errors.push({ order: i, step: (err as { step?: string }).step ?? 'order', message: String((err as Error).message ?? err).slice(0, 300) });
      }
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const latencyMs = Object.fromEntries([...t.steps].map(([k, v]) => [k, quantiles(v)]));
  return { concurrency, orders: Math.min(next, count), completed, seconds: +seconds.toFixed(2), ordersPerSecond: +(completed / seconds).toFixed(2), latencyMs, errors: t.errors, retries: Object.fromEntries(t.retries) };
}

export class StepError extends Error {
  constructor(readonly step: string, message: string) {
    super(`${step}: ${message}`);
  }
}

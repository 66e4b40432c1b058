import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

import { Connection } from '@temporalio/client';

// Starting and stopping the processes that make up a running spareflow.

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function temporalAnswers(address: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, child?: ChildProcess): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before it answered`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer within ${timeoutMs / 1000}s`);
}

export interface DevServerOptions {
  cli: string;
  port: number;
  uiPort?: number;
  /** SQLite file to persist to; in memory when omitted */
  dbFile?: string;
  headless?: boolean;
  log?: 'inherit' | 'ignore';
  /** further dynamic config values of the server, e.g. `system.enableActivityEagerExecution` */
  dynamicConfig?: Record<string, string | number | boolean>;
}

/** a real Temporal server in one process: `temporal server start-dev` */
export async function startTemporalDevServer(o: DevServerOptions): Promise<ChildProcess> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--log-level', 'warn', '--namespace', 'default'];
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.headless || o.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  // the default of 2000 per second is low for the benchmark's load
  args.push('--dynamic-config-value', 'frontend.rps=20000', '--dynamic-config-value', 'frontend.namespaceRPS=20000');
  for (const [name, value] of Object.entries(o.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${name}=${JSON.stringify(value)}`);
  const child = spawn(o.cli, args, { stdio: ['ignore', o.log ?? 'ignore', o.log ?? 'ignore'] });
  await waitFor('the Temporal dev server', () => temporalAnswers(`127.0.0.1:${o.port}`), 60_000, child);
  return child;
}

/** the time-skipping test server, for tests of long timers */
export async function startTimeSkippingServer(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(binary, [String(port)], { stdio: 'ignore' });
  await waitFor('the time-skipping test server', () => temporalAnswers(`127.0.0.1:${port}`), 60_000, child);
  return child;
}

export function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 25_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

import { spawn } from 'node:child_process';
import fs from 'node:fs';

import { dropDatabase, ensureDatabase } from '../../db/database.ts';
import { migrate, openOrm } from '../../db/orm.ts';
import { temporalBinaries } from '../../scripts/binaries.ts';
import { freePort, startTemporalDevServer, startTimeSkippingServer, stopChild } from '../../scripts/services.ts';

// The test run: one Temporal dev server and one time-skipping test server, started from the
// installed binaries; a fresh database on the running PostgreSQL, migrated, dropped at the end.
// Then AVA: every other test file in parallel, and each time-skipping file (*.timers.test.ts)
// on a time-skipping server of its own, started fresh for it: time skipped by one file would
// otherwise put the next file's workflows days ahead of the clock its activities read.

const adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `spareflow_test_${Date.now().toString(36)}_${process.pid}`;
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const bins = temporalBinaries();
const extra = process.argv.slice(2);

const devPort = await freePort();
console.log(`test run: database ${dbName}, dev server :${devPort}`);
const dev = await startTemporalDevServer({ cli: bins.cli, port: devPort, headless: true });

await ensureDatabase(adminUrl, dbName);
const orm = await openOrm(dbUrl, 2);
await migrate(orm);
await orm.close();

fs.mkdirSync('test/artifacts', { recursive: true });
const env = {
  ...process.env,
  SPAREFLOW_TEST_DATABASE_URL: dbUrl,
  SPAREFLOW_TEST_PG_ADMIN_URL: adminUrl,
  SPAREFLOW_TEST_TEMPORAL: `127.0.0.1:${devPort}`,
  SPAREFLOW_TEST_TEMPORAL_CLI: bins.cli,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => `${e.parentPath}/${e.name}`)
    .sort();
}

function ava(args: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['ava', ...args], { env: { ...env, ...extraEnv }, stdio: 'inherit' });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

let code: number;
try {
  const only = extra.filter((a) => !a.startsWith('-'));
  const flags = extra.filter((a) => a.startsWith('-'));
  const files = only.length ? only : testFiles('test');
  const timerFiles = files.filter((f) => f.includes('.timers.'));
  const otherFiles = files.filter((f) => !f.includes('.timers.'));
  code = otherFiles.length ? await ava([...otherFiles, ...flags]) : 0;
  for (const file of timerFiles) {
    const port = await freePort();
    const skipping = await startTimeSkippingServer(bins.testServer, port);
    try {
      const timers = await ava([file, '--serial', ...flags], { SPAREFLOW_TEST_TIMESKIP: `127.0.0.1:${port}` });
      code = code || timers;
    } finally {
      await stopChild(skipping);
    }
  }
} finally {
  await stopChild(dev);
  if (!process.env.KEEP_TEST_DB) await dropDatabase(adminUrl, dbName);
}
process.exit(code);

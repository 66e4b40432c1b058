import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';

import { loadConfig } from '../db/config.ts';
import { openDatabase } from '../db/database.ts';
import { openOrm } from '../db/orm.ts';
import { createDeps } from './deps.ts';
import { ensureDailyCloseSchedule, ensureStatementSchedule } from './schedules.ts';
import { createWorker } from './worker.ts';

// The worker process. On SIGTERM or SIGINT it stops polling, lets running activities finish
// (up to the grace time) and exits.
const config = loadConfig();
// the SDK's own logs (bundling, state changes) only from warnings up, unless debugging
// the SDK's metrics and ours (worker/metrics.ts) in the Prometheus format at WORKER_METRICS_ADDRESS
Runtime.install({
  logger: new DefaultLogger(config.logLevel === 'debug' ? 'DEBUG' : 'WARN'),
  ...(config.workerMetricsAddress
    ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.workerMetricsAddress, countersTotalSuffix: true } } } }
    : {}),
});
const db = await openDatabase(config);
const orm = await openOrm(db.url, config.dbPoolMax);
const connection = await NativeConnection.connect({ address: config.temporalAddress });
// the activities' client (signals, starts) shares the worker's native connection
const deps = createDeps(orm, config, new Client({ connection, namespace: config.temporalNamespace }));
await ensureDailyCloseSchedule(deps.temporal, { taskQueue: config.taskQueue, timeZone: config.ledgerTimeZone });
await ensureStatementSchedule(deps.temporal, { taskQueue: config.taskQueue, timeZone: config.ledgerTimeZone });
const tuning = Object.fromEntries(Object.entries(config.workerTuning).filter(([, v]) => v !== undefined));
const worker = await createWorker({ connection, namespace: config.temporalNamespace, taskQueue: config.taskQueue, deps, tuning });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    deps.log.info({ signal }, 'worker stopping');
    worker.shutdown();
  });
}

deps.log.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress, metrics: config.workerMetricsAddress }, 'worker running');
try {
  await worker.run();
} finally {
  await connection.close();
  await orm.close();
  await db.stop();
  deps.log.info('worker stopped');
}

import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';

import { loadConfig } from '../../db/config.ts';
import { openOrm } from '../../db/orm.ts';
import { createDeps } from '../../worker/deps.ts';
import { createWorker } from '../../worker/worker.ts';
import { markActivities, testWorkflowsPath } from './mark-activities.ts';

// A worker in a process of its own, built by the production factory, so a test can SIGKILL it.
const taskQueue = process.argv[2]!;
const config = { ...loadConfig(), taskQueue };
const orm = await openOrm(process.env.SPAREFLOW_TEST_DATABASE_URL!, 4);
const connection = await NativeConnection.connect({ address: process.env.SPAREFLOW_TEST_TEMPORAL! });
const worker = await createWorker({
  connection, namespace: 'default', taskQueue, deps: createDeps(orm, config, new Client({ connection: await Connection.connect({ address: process.env.SPAREFLOW_TEST_TEMPORAL! }) }), { log: pino({ level: 'warn' }) }),
  workflowsPath: testWorkflowsPath, extraActivities: markActivities(orm),
});
process.send?.('ready');
await worker.run();

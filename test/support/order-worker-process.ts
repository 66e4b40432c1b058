import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';

import { loadConfig } from '../../db/config.ts';
import { openOrm } from '../../db/orm.ts';
import { createDeps } from '../../worker/deps.ts';
import { createWorker, defaultWorkflowsPath } from '../../worker/worker.ts';

// The application's worker in a process of its own. Given a log message as its second argument,
// it SIGKILLs itself the moment an activity logs that message: after the activity's transaction
// has committed and before its result reaches Temporal.
const [taskQueue, dieOn] = [process.argv[2]!, process.argv[3]];
const config = { ...loadConfig(), taskQueue };
const orm = await openOrm(process.env.SPAREFLOW_TEST_DATABASE_URL!, 4);
const log = pino({ level: 'info' }, {
  write(line: string) {
    if (dieOn && JSON.parse(line).msg === dieOn) process.kill(process.pid, 'SIGKILL');
  },
});
const address = process.env.SPAREFLOW_TEST_TEMPORAL!;
const connection = await NativeConnection.connect({ address });
const worker = await createWorker({
  connection, namespace: 'default', taskQueue, workflowsPath: defaultWorkflowsPath(),
  deps: createDeps(orm, config, new Client({ connection: await Connection.connect({ address }) }), { log }),
});
process.send?.('ready');
await worker.run();

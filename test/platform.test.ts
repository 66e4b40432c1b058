import { fork } from 'node:child_process';

import test from 'ava';

import { markActivities, testWorkflowsPath } from './support/mark-activities.ts';
import { testStack, uid } from './helpers/stack.ts';

async function marksOf(orm: Awaited<ReturnType<typeof testStack>>['orm'], id: string) {
  const rows = await orm.em.fork().execute('select step from process_step where process_id = ? order by id', [id]);
  return rows.map((r) => String(r.step));
}

test('a workflow on the real dev server runs its activity, which writes to PostgreSQL', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  await stack.startWorker({ workflowsPath: testWorkflowsPath, extraActivities: markActivities(stack.orm) });
  const id = uid('marks-');

  const result = await stack.client.workflow.execute('twoMarksWorkflow', { taskQueue: stack.config.taskQueue, workflowId: id, args: [id, 10] });

  t.is(result, 'done');
  t.deepEqual(await marksOf(stack.orm, id), ['first', 'second']);
});

test('a worker killed while its workflow sleeps is replaced, and each activity takes effect once', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const taskQueue = stack.config.taskQueue;
  const spawnWorker = () => new Promise<ReturnType<typeof fork>>((resolve, reject) => {
    const child = fork('test/support/worker-process.ts', [taskQueue], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  const id = uid('crash-');

  const first = await spawnWorker();
  const handle = await stack.client.workflow.start('twoMarksWorkflow', { taskQueue, workflowId: id, args: [id, 3000] });
  while (!(await marksOf(stack.orm, id)).includes('first')) await new Promise((r) => setTimeout(r, 50));
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const second = await spawnWorker();
  t.teardown(() => { second.kill('SIGKILL'); });

  t.is(await handle.result(), 'done');
  t.deepEqual(await marksOf(stack.orm, id), ['first', 'second']);
});

test('the entities and the committed migrations agree: no pending schema difference', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());

  const diff = await stack.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });

  t.is(diff.trim(), '');
  t.false(await stack.orm.getMigrator().checkMigrationNeeded());
});

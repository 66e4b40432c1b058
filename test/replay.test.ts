import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

import { defaultWorkflowsPath } from '../worker/worker.ts';
import { HISTORY_DIR } from './helpers/histories.ts';

// Every saved history replays against today's workflow code without a nondeterminism error.
const files = fs.existsSync(HISTORY_DIR) ? fs.readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json')).sort() : [];

// one bundle of today's workflow code for every history
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
const workflowBundle = () => (bundle ??= bundleWorkflowCode({ workflowsPath: defaultWorkflowsPath(), logger: new DefaultLogger('WARN') }));

for (const file of files) {
  test(`the saved history ${file} replays against the current workflow code`, async (t) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, file), 'utf8')));

    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file.replace(/\.json$/, ''));

    t.pass('replayed without a nondeterminism error');
  });
}

test('every workflow type has at least one saved history', (t) => {
  const exported = fs.readFileSync(path.resolve('workflows/index.ts'), 'utf8').match(/\b\w+Workflow\b/g) ?? [];
  const saved = files.map((f) => JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, f), 'utf8')).events?.[0]
    ?.workflowExecutionStartedEventAttributes?.workflowType?.name as string | undefined);
  const missing = [...new Set(exported)].filter((w) => !saved.includes(w));

  t.deepEqual(missing, [], `workflow types without a saved history: ${missing.join(', ')}`);
});

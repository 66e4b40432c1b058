import fs from 'node:fs';
import path from 'node:path';

import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

// Saved workflow histories: a test that drives a workflow down one path calls saveHistory
// after it finishes. With SAVE_HISTORIES=1 the history is written to test/histories/, where
// test/replay.test.ts replays every file against the current workflow code, so a change that
// would break running processes fails CI.

export const HISTORY_DIR = path.resolve('test/histories');

export async function saveHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (!process.env.SAVE_HISTORIES) return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  fs.mkdirSync(HISTORY_DIR, { recursive: true });
  // proto3 JSON (timestamps as strings), the form historyFromJSON in replay.test.ts reads
  fs.writeFileSync(path.join(HISTORY_DIR, `${name}.json`), historyToJSON(history));
}

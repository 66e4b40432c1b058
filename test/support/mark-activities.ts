import { fileURLToPath } from 'node:url';

import type { Orm } from '../../db/orm.ts';
import { recordStep } from '../../db/processes.ts';
import { inTransaction } from '../../db/tx.ts';

export const testWorkflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** a test activity that writes one timeline row, once per (process, step) */
export function markActivities(orm: Orm) {
  return {
    async markStep(processId: string, step: string): Promise<void> {
      await inTransaction(orm, (em) => recordStep(em, { processId, step, actor: 'test', key: `${processId}:${step}` }));
    },
  };
}

export type MarkActivities = ReturnType<typeof markActivities>;

import { createRequire } from 'node:module';

import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { businessMetrics } from './metrics.ts';

const require = createRequire(import.meta.url);

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** the module that exports every workflow; tests pass one that adds their own */
  workflowsPath?: string;
  /** activities added on top of the application's (tests only) */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** a prebuilt bundle, so many workers in one test run bundle once */
  workflowBundle?: WorkerOptions['workflowBundle'];
  tuning?: Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>;
}

export const defaultWorkflowsPath = () => require.resolve('../workflows/index.ts');

/** builds the worker exactly as production runs it; tests use the same function */
export async function createWorker(s: WorkerSetup): Promise<Worker> {
  const activities = { ...createActivities(s.deps), ...s.extraActivities };
  return Worker.create({
    connection: s.connection,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    activities,
    interceptors: { activity: [businessMetrics()] },
    ...(s.workflowBundle ? { workflowBundle: s.workflowBundle } : { workflowsPath: s.workflowsPath ?? defaultWorkflowsPath() }),
    // running activities get this long to finish when the worker is asked to stop
    shutdownGraceTime: '20 seconds',
    ...s.tuning,
  });
}

import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type pino from 'pino';

import type { Config } from '../db/config.ts';
import { isDomainError } from '../db/errors.ts';
import type { Ledger } from '../db/ledger.ts';
import type { Orm } from '../db/orm.ts';

/** everything an activity may touch, handed in by the worker (or by a test) */
export interface ActivityDeps {
  orm: Orm;
  ledger: Ledger;
  config: Config;
  log: pino.Logger;
  /** to signal or start other processes (signal-with-start), on the worker's task queue */
  temporal: Client;
  /** the clock, so tests can pin it */
  now: () => Date;
  /** delivery of outbound HTTP notifications (webhooks); tests point it at their own receiver */
  fetch: typeof globalThis.fetch;
}

/**
 * Runs an activity body and turns a broken business rule into a non-retryable failure that
 * keeps its code and details; any other error stays retryable for the activity's retry policy.
 */
export async function businessStep<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDomainError(err)) {
      throw ApplicationFailure.create({
        message: err.message,
        type: err.code,
        nonRetryable: true,
        details: [{ kind: err.kind, code: err.code, ...err.details }],
      });
    }
    throw err;
  }
}

/** the id of the workflow running the current activity, for postings and logs */
export function currentWorkflowId(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null;
  }
}

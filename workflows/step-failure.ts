import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

// An update handler whose activity refused the step rethrows the activity's business failure
// itself, so the caller gets its kind and code (api/errors.ts reads the update's cause) instead
// of a wrapped activity failure answered as 500.

export async function asStep<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}

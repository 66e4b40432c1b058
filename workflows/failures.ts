import { ApplicationFailure } from '@temporalio/workflow';

// How a workflow (or an update validator) refuses a step. The kind travels in the failure's
// details, and api/errors.ts maps it: invalid 400, not-found 404, conflict 409, refused 422.

export type RefusalKind = 'invalid' | 'not-found' | 'conflict' | 'refused';

export function refusal(kind: RefusalKind, code: string, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ message, type: code, nonRetryable: true, details: [{ kind, code, ...details }] });
}

/** the code of a business failure raised by an activity (see activities/support.ts), if it is one */
export function failureCode(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : err instanceof ApplicationFailure ? err.type ?? undefined : undefined;
}

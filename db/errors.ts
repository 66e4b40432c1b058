// Failures a caller can act on. Each kind maps to one HTTP status in api/errors.ts and to a
// non-retryable Temporal failure in activities: retrying a broken business rule cannot help.

export type ErrorKind = 'invalid' | 'refused' | 'conflict' | 'not-found' | 'forbidden';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** a stable machine-readable code, e.g. `insufficient-stock` */
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** a business rule refuses a well-formed request (HTTP 422) */
export const refused = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('refused', code, message, details);

/** the request conflicts with what exists or with the process's state (HTTP 409) */
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('conflict', code, message, details);

export const notFound = (what: string, id: string) =>
  new DomainError('not-found', 'not-found', `${what} ${id} was not found`, { [what]: id });

/** malformed input (HTTP 400) */
export const invalid = (field: string, rule: string) =>
  new DomainError('invalid', 'invalid-request', `${field}: ${rule}`, { field, rule });

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

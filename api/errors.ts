import {
  ApplicationFailure, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { ErrorRequestHandler } from 'express';
import type pino from 'pino';

import { DomainError, type ErrorKind } from '../db/errors.ts';

// The one place where failures become HTTP answers (DESIGN.md §6). The body is always
// { error: { code, message, details } }; messages are ours, never a stack or a driver's text.

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

const STATUS: Record<ErrorKind, number> = { invalid: 400, forbidden: 403, 'not-found': 404, conflict: 409, refused: 422 };

interface Answer { status: number; code: string; message: string; details: Record<string, unknown> }

/** a failure raised by a workflow or its update validator, carrying our kind in its details */
function fromFailure(f: ApplicationFailure): Answer | null {
  const d = (f.details?.[0] ?? null) as ({ kind?: ErrorKind; code?: string } & Record<string, unknown>) | null;
  if (!d?.kind || !(d.kind in STATUS)) return null;
  const { kind, code, ...details } = d;
  return { status: STATUS[kind], code: code ?? f.type ?? 'refused', message: f.message, details };
}

function isUnavailable(err: unknown): string | null {
  const e = err as { code?: string | number; name?: string; message?: string };
  const pgDown = ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', 'ETIMEDOUT'];
  if (typeof e.code === 'string' && pgDown.includes(e.code)) return 'database';
  if (e.name === 'ServiceError' || e.name === 'TransportError' || /UNAVAILABLE|Connection refused|DEADLINE/i.test(e.message ?? '')) {
    return e.name === 'ServiceError' || /UNAVAILABLE|DEADLINE/.test(e.message ?? '') ? 'temporal' : null;
  }
  if (/Knex: Timeout acquiring a connection|Connection terminated/i.test(e.message ?? '')) return 'database';
  return null;
}

export function toAnswer(err: unknown): Answer {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message, details: err.details };
  if (err instanceof DomainError) return { status: STATUS[err.kind], code: err.code, message: err.message, details: err.details };
  if (err instanceof WorkflowNotFoundError) return { status: 404, code: 'not-found', message: 'no such process', details: {} };
  // the step may have been taken: every step is idempotent, so the client sends it again
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return { status: 503, code: 'step-pending', message: 'the step did not answer in time and may still be taken; send it again', details: {} };
  }
  if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const answer = fromFailure(cause);
      if (answer) return answer;
    }
  }
  if (err instanceof ApplicationFailure) {
    const answer = fromFailure(err);
    if (answer) return answer;
  }
  const body = err as { type?: string; status?: number; expose?: boolean };
  if (body.type === 'entity.parse.failed') return { status: 400, code: 'invalid-json', message: 'the request body is not valid JSON', details: {} };
  if (body.type === 'entity.too.large') return { status: 413, code: 'body-too-large', message: 'the request body is too large', details: {} };
  if (body.expose && body.status && body.status < 500) return { status: body.status, code: 'bad-request', message: 'the request could not be read', details: {} };
  const pgCode = (err as { code?: string }).code;
  if (pgCode === '22021' || pgCode === '22P05' || pgCode === '22001' || pgCode === '22003') {
    // a value the schema let through but the database cannot store: still the caller's input
    return { status: 400, code: 'invalid-request', message: 'a value in the request cannot be stored (bad character, too long or out of range)', details: {} };
  }
  const down = isUnavailable(err);
  if (down) return { status: 503, code: `${down}-unavailable`, message: `the ${down} is not reachable; try again shortly`, details: {} };
  return { status: 500, code: 'internal', message: 'something went wrong on our side; the request was not completed', details: {} };
}

export function errorHandler(log: pino.Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const answer = toAnswer(err);
    if (answer.status >= 500) log.error({ err, requestId: req.id }, 'request failed');
    res.locals.errorCode = answer.code;
    res.status(answer.status).json({ error: { code: answer.code, message: answer.message, details: answer.details } });
  };
}

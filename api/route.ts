import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';

import type { Role } from '../db/entities/auth.ts';
import { actorOf, type Actor } from './auth.ts';
import { HttpError } from './errors.ts';

// Routes are declared as data: method, path, the roles that may call it, and the schemas the
// request is validated with. The same declarations feed the OpenAPI document.

type Method = 'get' | 'post' | 'put' | 'delete';

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express path, e.g. `/dealer-orders/:id/picks` */
  path: string;
  summary: string;
  roles: readonly Role[];
  params?: P;
  query?: Q;
  body?: B;
  /** an example request body for the documentation (and the test that sends it) */
  example?: unknown;
  /** example path parameters for the documentation, when a generated `EX-1` would not fit */
  exampleParams?: Record<string, string>;
  handler: (input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B>; actor: Actor; req: Request; res: Response }) =>
    Promise<{ status?: number; body: unknown; headers?: Record<string, string> } | void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

export function defineRoute<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown>(
  spec: RouteSpec<P, Q, B>,
): AnyRoute {
  return spec;
}

/** the field path and the rule of every issue, e.g. `lines[0].quantity: must be > 0` */
export function describeIssues(error: z.ZodError, where: string) {
  const issues = error.issues.slice(0, 20).map((i) => {
    const field = [where, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\w+\./, '');
    return { field: field || where, rule: i.message };
  });
  return { message: issues.map((i) => `${i.field}: ${i.rule}`).join('; '), issues };
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  if (!schema) return value as z.infer<T>;
  const result = schema.safeParse(value);
  if (!result.success) {
    const { message, issues } = describeIssues(result.error, where);
    throw new HttpError(400, 'invalid-request', message.slice(0, 2000), { issues });
  }
  return result.data;
}

export function toHandler(spec: AnyRoute): RequestHandler {
  return async (req, res) => {
    const actor = actorOf(req);
    if (actor.role !== 'admin' && !spec.roles.includes(actor.role)) {
      throw new HttpError(403, 'forbidden', `the ${actor.role} role may not ${spec.summary.toLowerCase()}`);
    }
    const params = parse(spec.params, req.params, 'params');
    const query = parse(spec.query, req.query, 'query');
    const body = spec.method === 'get' ? undefined : parse(spec.body, req.body ?? {}, 'body');
    const out = await spec.handler({ params, query, body, actor, req, res });
    if (res.headersSent) return;
    if (!out) {
      res.status(204).end();
      return;
    }
    for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
    res.status(out.status ?? 200).json(out.body);
  };
}

// ---- schema pieces shared by many routes ---------------------------------------------------

/** identifiers and business keys: printable, no control characters, bounded */
export const key = (max = 64) => z.string().min(1).max(max).regex(/^[A-Za-z0-9][A-Za-z0-9._\-/ ]*$/, 'letters, digits and . _ - / only');
export const quantity = z.number().int('must be a whole number').positive('must be greater than zero').max(1_000_000, 'must be at most 1000000');
export const decimalAmount = z.string().regex(/^\d{1,13}(\.\d{1,2})?$/, 'must be a decimal string with at most 2 decimals, such as "12.50"');
export const currency = z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter currency code');
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'must be a real calendar date');
export const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });
// eslint-disable-next-line no-control-regex
export const text = (max = 500) => z.string().max(max).regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'must not contain control characters');
/** a keyset-pagination cursor: the key of the last item of the previous page */
export const cursor = z.string().max(300).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters'); // eslint-disable-line no-control-regex
export const page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: cursor.optional(),
});

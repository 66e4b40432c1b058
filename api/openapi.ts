import { z } from 'zod';

import type { AnyRoute } from './route.ts';

// The OpenAPI 3.1 document, generated from the same route declarations and zod schemas that
// validate the requests: what is documented is what is checked.

type Json = Record<string, unknown>;

/** the example a path parameter gets in the document (and the test that sends the examples) */
const EXAMPLE_PARAM = 'EX-1';

const ERROR_SCHEMA: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'stable, machine-readable, e.g. invalid-request, forbidden, not-found' },
        message: { type: 'string', description: 'safe to show; names the field and the rule for a 400' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
};

const ERRORS: Record<string, string> = {
  400: 'malformed request: the field and the rule are named',
  401: 'no API key, or an unknown or revoked one',
  403: 'the key\'s role may not call this route',
  404: 'unknown process or record (also what a dealer key gets for another dealer\'s)',
  409: 'the step is not allowed in the process\'s current state',
  422: 'a business rule refuses the request',
};

function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

/** Express `:id` → OpenAPI `{id}` */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', examples: Record<string, string> = {}): Json[] {
  if (!schema) return [];
  const s = jsonSchema(schema);
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, prop]) => {
    const p: Json = { name, in: where, required: where === 'path' || (required.has(name) && prop.default === undefined), schema: prop };
    if (where === 'path') p.example = examples[name] ?? (Array.isArray(prop.enum) ? prop.enum[0] : EXAMPLE_PARAM);
    return p;
  });
}

function operation(route: AnyRoute): Json {
  const roles = [...new Set(['admin', ...route.roles])];
  const success = route.method === 'post' ? '201' : '200';
  const op: Json = {
    operationId: `${route.method}${route.path.replace(/[/:-](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
    summary: route.summary,
    description: `Roles: ${roles.join(', ')}.`,
    'x-roles': roles,
    tags: [route.path.split('/')[1] ?? 'api'],
    parameters: [...parameters(route.params, 'path', route.exampleParams), ...parameters(route.query, 'query')],
    responses: {
      [success]: { description: 'done', content: { 'application/json': { schema: {} } } },
      ...Object.fromEntries(Object.entries(ERRORS).map(([status, description]) => [
        status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      ])),
    },
  };
  if (route.body && route.method !== 'get') {
    const media: Json = { schema: jsonSchema(route.body) };
    if (route.example !== undefined) media.example = route.example;
    op.requestBody = { required: true, content: { 'application/json': media } };
  }
  return op;
}

export function openApiDocument(routes: AnyRoute[], o: { version: string; serverUrl?: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'spareflow API',
      version: o.version,
      description: 'Start and drive the after-sales processes of spareflow, and read where each one stands. '
        + 'Every route needs an API key sent as a bearer token; each route names the roles that may call it (x-roles). '
        + 'Money travels as { amount: "12.50", currency: "CNY" }. Errors are always { error: { code, message, details } }.',
    },
    ...(o.serverUrl ? { servers: [{ url: o.serverUrl }] } : {}),
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key issued by POST /api-keys (or SPAREFLOW_ADMIN_KEY)' } },
      schemas: { Error: ERROR_SCHEMA },
    },
  };
}

// Workflow ids come from the business key with a type prefix, so the same business request
// can never start two processes. Built and parsed here only. Parts are URI-encoded so that a
// ':' inside an order number cannot shift the fields.

export const PROCESS_TYPES = [
  'dealer-order', 'core-return', 'consumer-order', 'consumer-return', 'dealer-account',
  'inbound-receipt', 'stock-count', 'daily-close', 'dealer-payment',
] as const;
export type ProcessType = (typeof PROCESS_TYPES)[number];

export function processId(type: ProcessType, ...parts: string[]): string {
  return [type, ...parts.map((p) => encodeURIComponent(p))].join(':');
}

export function parseProcessId(id: string): { type: ProcessType; parts: string[] } | null {
  const [type, ...rest] = id.split(':');
  if (!(PROCESS_TYPES as readonly string[]).includes(type ?? '') || rest.length === 0) return null;
  try {
    return { type: type as ProcessType, parts: rest.map((p) => decodeURIComponent(p)) };
  } catch {
    return null;
  }
}

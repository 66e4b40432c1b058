// Reading raw rows. MikroORM's PostgreSQL driver hands timestamps and dates back as text
// ("2026-12-03 22:48:00.123+00", "2026-12-03"), so rows are converted here, in one way.

/** a timestamp column as an ISO 8601 instant, or null */
export function isoTime(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v).replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
}

/** a date column as YYYY-MM-DD, or null */
export function isoDay(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);
}

/**
 * Rows as a VALUES list, for one statement over many rows instead of one statement each:
 * `(values (?, ?), (?, ?))` and its parameters. Name the columns where it is used:
 * `... from ${v.sql} as v(line_no, quantity) ...`.
 */
export function valuesOf(rows: unknown[][]): { sql: string; params: unknown[] } {
  return { sql: `(values ${rows.map((r) => `(${r.map(() => '?').join(', ')})`).join(', ')})`, params: rows.flat() };
}

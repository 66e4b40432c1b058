import type { EntityManager } from '@mikro-orm/postgresql';

import { isoTime } from './sql.ts';

// The process table and its timeline, written by activities inside their own transactions.

export interface ProcessRow {
  id: string;
  type: string;
  businessKey: string;
  status: string;
  dealerId?: string | null;
  amountMinor?: bigint | number | null;
  currency?: string | null;
  dueAt?: Date | null;
  escalationLevel?: number;
  summary?: Record<string, unknown>;
}

/**
 * Inserts or updates the row of a process; only the fields given are changed. With onlyIfNew an
 * existing row is left as it is (a step that creates the row and may run again).
 */
export async function saveProcess(em: EntityManager, p: ProcessRow, at: Date = new Date(), o: { onlyIfNew?: boolean } = {}): Promise<void> {
  const onConflict = o.onlyIfNew ? 'do nothing' : `do update set
       status = excluded.status,
       dealer_id = coalesce(excluded.dealer_id, process.dealer_id),
       amount_minor = coalesce(excluded.amount_minor, process.amount_minor),
       currency = coalesce(excluded.currency, process.currency),
       due_at = coalesce(excluded.due_at, process.due_at),
       escalation_level = ${p.escalationLevel === undefined ? 'process.escalation_level' : 'excluded.escalation_level'},
       summary = process.summary || excluded.summary,
       updated_at = excluded.updated_at`;
  await em.execute(
    `insert into process (id, type, business_key, status, dealer_id, amount_minor, currency, due_at, escalation_level, summary, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (id) ${onConflict}`,
    [p.id, p.type, p.businessKey, p.status, p.dealerId ?? null,
      p.amountMinor === undefined || p.amountMinor === null ? null : String(p.amountMinor),
      p.currency ?? null, p.dueAt ?? null, p.escalationLevel ?? 0, JSON.stringify(p.summary ?? {}), at, at],
  );
}

/** appends a step to a process's timeline, once per key */
export async function recordStep(em: EntityManager, s: {
  processId: string; step: string; actor: string; key: string; detail?: Record<string, unknown>; at?: Date;
}): Promise<boolean> {
  const rows = await em.execute(
    `insert into process_step (process_id, step, detail, actor, at, idempotency_key) values (?, ?, ?, ?, ?, ?)
     on conflict (idempotency_key) do nothing returning id`,
    [s.processId, s.step, JSON.stringify(s.detail ?? {}), s.actor, s.at ?? new Date(), s.key],
  );
  return rows.length > 0;
}

export interface ProcessView {
  id: string;
  type: string;
  businessKey: string;
  status: string;
  dealerId: string | null;
  amountMinor: string | null;
  currency: string | null;
  dueAt: string | null;
  escalationLevel: number;
  summary: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  timeline: { step: string; actor: string; at: string; detail: Record<string, unknown> }[];
}

type Row = Record<string, unknown>;
const iso = isoTime;

export function processFromRow(r: Row): Omit<ProcessView, 'timeline'> {
  return {
    id: String(r.id), type: String(r.type), businessKey: String(r.business_key), status: String(r.status),
    dealerId: r.dealer_id === null ? null : String(r.dealer_id),
    amountMinor: r.amount_minor === null ? null : String(r.amount_minor),
    currency: r.currency === null ? null : String(r.currency),
    dueAt: iso(r.due_at), escalationLevel: Number(r.escalation_level),
    summary: (r.summary ?? {}) as Record<string, unknown>,
    createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
  };
}

export async function getProcess(em: EntityManager, id: string): Promise<ProcessView | null> {
  const [row] = await em.execute('select * from process where id = ?', [id]);
  if (!row) return null;
  const steps = await em.execute('select step, actor, at, detail from process_step where process_id = ? order by id', [id]);
  return {
    ...processFromRow(row),
    timeline: steps.map((s: Row) => ({
      step: String(s.step), actor: String(s.actor), at: iso(s.at)!, detail: (s.detail ?? {}) as Record<string, unknown>,
    })),
  };
}

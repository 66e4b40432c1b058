import fs from 'node:fs';
import path from 'node:path';

import { formatMinor } from '../db/money.ts';
import type { ClaimOutcome, ClaimsPlan } from './claims.ts';
import type { ApiClient } from './client.ts';
import type { DataCoPlan, Reject } from './dataco.ts';
import type { OrderOutcome } from './orders.ts';

// The reconciliation at the end of a replay: what was read and taken, where every process
// ended against its source status, the ledger check, stock conservation per part, the money
// invoiced against the file's totals, open arrears, warranty outcomes, throughput.

interface Flow { partNo: string; intoStock: number; outOfStock: number; received: number; shipped: number; returned: number; onHand: number }

export interface ReconcileInput {
  api: ApiClient;
  plan: DataCoPlan;
  claimsPlan: ClaimsPlan;
  claimOutcomes: ClaimOutcome[];
  outcomes: OrderOutcome[];
  rejects: Reject[];
  before: { journals: { money: number; stock: number } };
  flowsBefore: Flow[];
  seconds: number;
  daySeconds: number;
}

const count = <T>(items: T[], key: (t: T) => string) => {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
};

export interface ReportBody {
  rows: { read: number; orderLinesRead: number; claimsRead: number; taken: number; rejected: number; rejectedByReason: Record<string, number> };
  processes: { orders: number; byFinalState: Record<string, number>; bySourceStatusAndFinalState: Record<string, number>; receiptsAssumed: number; errors: { orderNo: string; error?: string }[]; coreReturns: number; coreReturnsByState: Record<string, number>; coreReturnErrors: { batchNo: string; error?: string }[] };
  ledger: { ok: boolean; problems: unknown[]; journals: Record<string, number>; journalsBefore: Record<string, number> };
  idempotency: { secondRun: boolean; note: string };
  stock: { parts: number; holds: boolean; broken: unknown[] };
  money: { invoicedMinor: bigint; invoiced: string; sourceTotalOfShippedLines: string; difference: string; differences: unknown[]; paid: string };
  arrears: { openInvoices: number; byEscalationLevel: Record<string, number>; cappedAt1000: string[] };
  warranty: { batches: number; approved: number; rejected: number; credited: string; recovered: string };
  throughput: { seconds: number; daySeconds: number; requests: number; retries: number; serverErrors: number; rateLimited: number; ordersPerSecond: number; claimsPerSecond: number; requestsPerSecond: number };
  /** where each process the replay drove ended, as the API last answered it (the chaos run compares them) */
  outcomes: {
    orders: { orderNo: string; id: string; finalStatus: string; shipments: number; invoiced: string; paid: string; error?: string }[];
    coreReturns: { batchNo: string; id: string; status: string; approved: number; rejected: number; credited: string; recovered: string; error?: string }[];
  };
  rejects: Reject[];
}

export async function reconcile(r: ReconcileInput): Promise<ReportBody & { failures: number; markdown: string }> {
  const check = (await r.api.expect('GET', '/ledger/check', undefined, [200])).body;
  const flows = (await r.api.expect('GET', '/ledger/stock-flows?partPrefix=DC-P', undefined, [200])).body.items as Flow[];
  // one call answers at most 1000 invoices: ask level by level (the ladder has five rungs)
  const arrearsByLevel: Record<string, number> = {};
  const arrearsCapped: string[] = [];
  let openInvoices = 0;
  for (let level = 0; level <= 5; level++) {
    const items = (await r.api.expect('GET', `/arrears?level=${level}&limit=1000`, undefined, [200])).body.items as unknown[];
    if (items.length === 0) continue;
    arrearsByLevel[String(level)] = items.length;
    openInvoices += items.length;
    if (items.length === 1000) arrearsCapped.push(String(level));
  }

  const byPart = new Map(r.flowsBefore.map((f) => [f.partNo, f]));
  const conservation = flows.map((f) => {
    const opening = byPart.get(f.partNo)?.onHand ?? 0;
    const received = f.received - (byPart.get(f.partNo)?.received ?? 0);
    const shipped = f.shipped - (byPart.get(f.partNo)?.shipped ?? 0);
    const returned = f.returned - (byPart.get(f.partNo)?.returned ?? 0);
    // counts, scrap and the like: whatever moved in or out of the shelves besides the three flows
    const adjusted = (f.intoStock - f.outOfStock) - ((byPart.get(f.partNo)?.intoStock ?? 0) - (byPart.get(f.partNo)?.outOfStock ?? 0)) - received + shipped - returned;
    return { partNo: f.partNo, opening, received, shipped, returned, adjusted, closing: f.onHand, holds: opening + received - shipped + returned + adjusted === f.onHand };
  });

  // money: what we invoiced per line (our unit price × shipped) against the file's line totals
  const differences: { orderNo: string; partNo: string; row: number; quantity: number; ourMinor: string; sourceTotal: string; differenceMinor: string; reason: string }[] = [];
  let invoicedMinor = 0n;
  let sourceMinor = 0n;
  for (const o of r.outcomes) {
    invoicedMinor += o.invoicedMinor;
    if (o.fate === 'cancel' || o.shipments === 0) continue;
    for (const l of o.order.lines) {
      const ours = l.unitPriceMinor * BigInt(l.quantity);
      sourceMinor += l.sourceTotalMinor;
      if (ours !== l.sourceTotalMinor) {
        differences.push({
          orderNo: o.order.orderNo, partNo: l.partNo, row: l.row, quantity: l.quantity, ourMinor: formatMinor(ours), sourceTotal: l.sourceTotal,
          differenceMinor: formatMinor(ours - l.sourceTotalMinor), reason: 'the file\'s line total is after its discount and rounding; invoices are at the part price',
        });
      }
    }
  }

  const secondRun = check.journals.money === r.before.journals.money && check.journals.stock === r.before.journals.stock && r.before.journals.money > 0;

  const report = buildReport();
  return { ...report, failures: report.processes.errors.length + report.processes.coreReturnErrors.length, markdown: toMarkdown(report) };

  function buildReport(): ReportBody {
    return {
    rows: {
      read: r.plan.rowsRead + r.claimsPlan.rowsRead,
      orderLinesRead: r.plan.rowsRead, claimsRead: r.claimsPlan.rowsRead,
      taken: r.plan.rowsRead + r.claimsPlan.rowsRead - r.rejects.length,
      rejected: r.rejects.length, rejectedByReason: count(r.rejects, (x) => x.reason.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N')),
    },
    processes: {
      orders: r.outcomes.length,
      byFinalState: count(r.outcomes, (o) => o.finalStatus),
      bySourceStatusAndFinalState: count(r.outcomes, (o) => `${o.order.status} → ${o.finalStatus}`),
      receiptsAssumed: r.outcomes.reduce((t, o) => t + o.receiptsAssumed, 0),
      errors: r.outcomes.filter((o) => o.error).slice(0, 50).map((o) => ({ orderNo: o.order.orderNo, error: o.error })),
      coreReturns: r.claimOutcomes.length,
      coreReturnsByState: count(r.claimOutcomes, (c) => c.status),
      coreReturnErrors: r.claimOutcomes.filter((c) => c.error).slice(0, 50).map((c) => ({ batchNo: c.batch.batchNo, error: c.error })),
    },
    ledger: { ok: Boolean(check.ok), problems: check.problems, journals: check.journals, journalsBefore: r.before.journals },
    idempotency: { secondRun, note: secondRun ? 'no journal was added: every step of this run had been taken before' : 'this run added journals' },
    stock: { parts: conservation.length, holds: conservation.every((c) => c.holds), broken: conservation.filter((c) => !c.holds) },
    money: {
      invoicedMinor, invoiced: formatMinor(invoicedMinor), sourceTotalOfShippedLines: formatMinor(sourceMinor),
      difference: formatMinor(invoicedMinor - sourceMinor), differences,
      paid: formatMinor(r.outcomes.reduce((s, o) => s + o.paidMinor, 0n)),
    },
    arrears: { openInvoices, byEscalationLevel: arrearsByLevel, cappedAt1000: arrearsCapped },
    warranty: {
      batches: r.claimOutcomes.length,
      approved: r.claimOutcomes.reduce((s, c) => s + c.approved, 0),
      rejected: r.claimOutcomes.reduce((s, c) => s + c.rejected, 0),
      credited: formatMinor(r.claimOutcomes.reduce((s, c) => s + c.creditedMinor, 0n)),
      recovered: formatMinor(r.claimOutcomes.reduce((s, c) => s + c.recoveredMinor, 0n)),
    },
    throughput: {
      seconds: Math.round(r.seconds), daySeconds: r.daySeconds, requests: r.api.requests, retries: r.api.retries, serverErrors: r.api.serverErrors,
      rateLimited: r.api.rateLimited,
      ordersPerSecond: +(r.outcomes.length / Math.max(1, r.seconds)).toFixed(2), claimsPerSecond: +(r.claimsPlan.claimsTaken / Math.max(1, r.seconds)).toFixed(2),
      requestsPerSecond: +(r.api.requests / Math.max(1, r.seconds)).toFixed(1),
    },
    outcomes: {
      orders: r.outcomes.map((o) => ({
        orderNo: o.order.orderNo, id: o.id, finalStatus: o.finalStatus, shipments: o.shipments,
        invoiced: formatMinor(o.invoicedMinor), paid: formatMinor(o.paidMinor), ...(o.error ? { error: o.error } : {}),
      })).sort((a, b) => a.orderNo.localeCompare(b.orderNo)),
      coreReturns: r.claimOutcomes.map((c) => ({
        batchNo: c.batch.batchNo, id: c.id, status: c.status, approved: c.approved, rejected: c.rejected,
        credited: formatMinor(c.creditedMinor), recovered: formatMinor(c.recoveredMinor), ...(c.error ? { error: c.error } : {}),
      })).sort((a, b) => a.batchNo.localeCompare(b.batchNo)),
    },
    rejects: r.rejects,
    };
  }
}


function toMarkdown(r: ReportBody): string {
  const table = (o: Record<string, number>) => Object.entries(o).sort().map(([k, v]) => `| ${k} | ${v} |`).join('\n');
  return [
    '# Replay reconciliation',
    '',
    `Rows read ${r.rows.read} (order lines ${r.rows.orderLinesRead}, claims ${r.rows.claimsRead}); taken ${r.rows.taken}; rejected ${r.rows.rejected}.`,
    '',
    '| rejected because | rows |', '| --- | --- |', table(r.rows.rejectedByReason),
    '',
    '| source status → final state | orders |', '| --- | --- |', table(r.processes.bySourceStatusAndFinalState),
    '',
    `Receipts the service assumed before the replay confirmed them (its timer ran out first): ${r.processes.receiptsAssumed}.`,
    `Core returns: ${r.processes.coreReturns} batches; ${JSON.stringify(r.processes.coreReturnsByState)}.`,
    `Ledger check: ${r.ledger.ok ? 'clean' : `${r.ledger.problems.length} problem(s)`}; journals ${JSON.stringify(r.ledger.journals)}.`,
    `Idempotency: ${r.idempotency.note}.`,
    `Stock conservation (opening + received − shipped + returned ± adjustments = closing): ${r.stock.holds ? 'holds' : 'BROKEN'} for ${r.stock.parts} parts.`,
    `Money: invoiced ${r.money.invoiced} against the file's ${r.money.sourceTotalOfShippedLines} for the shipped lines (difference ${r.money.difference}, ` +
      `${r.money.differences.length} lines differ; listed in the JSON report); paid ${r.money.paid}.`,
    `Open arrears: ${r.arrears.openInvoices} invoices; by escalation level ${JSON.stringify(r.arrears.byEscalationLevel)}` +
      `${r.arrears.cappedAt1000.length ? ` (levels ${r.arrears.cappedAt1000.join(', ')}: at least, the API answers 1000 at most)` : ''}.`,
    `Warranty: approved ${r.warranty.approved}, rejected ${r.warranty.rejected}, credited ${r.warranty.credited}, recovered ${r.warranty.recovered}.`,
    `Throughput: ${r.throughput.seconds} s wall time, ${r.throughput.ordersPerSecond} orders/s, ${r.throughput.claimsPerSecond} claims/s, ` +
      `${r.throughput.requestsPerSecond} requests/s, ${r.throughput.retries} retries, ${r.throughput.serverErrors} server errors, ` +
      `${r.throughput.rateLimited} answers 429 waited out.`,
  ].join('\n');
}

export function writeReport(report: Awaited<ReturnType<typeof reconcile>>, dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = path.join(dir, `report-${stamp}.json`);
  const md = path.join(dir, `report-${stamp}.md`);
  const rejects = path.join(dir, `rejects-${stamp}.csv`);
  fs.writeFileSync(json, JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  fs.writeFileSync(md, `${report.markdown}\n`);
  fs.writeFileSync(rejects, ['file,row,reason', ...report.rejects.map((x) => `${x.file},${x.row},"${x.reason.replace(/"/g, '""')}"`)].join('\n') + '\n');
  return { json, md, rejects };
}

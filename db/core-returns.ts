import { formatMinor } from './money.ts';
import type { ProcessView } from './processes.ts';

// What the API shows of a core return: the batch state the workflow saved in the process row,
// with money as decimal strings, and the batch statement that goes to the dealer.

interface Decision { decision: string; reasonCode: string; by: string; approvedMinor: number; at: string }
interface Core {
  lineNo: number; partNo: string; vehicleModel: string; failureCode: string; fittedOn: string; claimedMinor: number;
  stage: string; received: boolean | null; condition: string | null; standardPriceMinor: number | null; ruleNote: string | null;
  appraisalDueAt: string | null; escalated: boolean; decision: Decision | null; objection: { reason: string; by: string; at: string } | null;
  objectionDueAt: string | null; finalDecision: Decision | null; plannedDisposition: string | null; disposition: string | null;
  rmaNo: string | null; creditedMinor: number; recoveredMinor: number;
}
interface Batch {
  processId: string; dealerId: string; batchNo: string; currency: string; status: string; filedAt: string; receivedAt: string | null;
  cores: Core[]; extras: { partNo: string; condition: string | null; note: string | null; returnedToDealer: boolean }[];
  supplierReturns: { rmaNo: string; supplierId: string; lineNos: number[]; expectedMinor: number; creditedMinor: number | null; at: string; creditedAt: string | null }[];
  policy: { appraisalDays: number; objectionDays: number };
}

const OUTCOME: Record<string, string> = {
  announced: 'not yet received', missing: 'not received', 'awaiting-appraisal': 'waiting for an appraiser',
  rejected: 'rejected, objection possible', objected: 'objected, waiting for the final appraisal', approved: 'approved',
  'finally-rejected': 'rejected',
};

export function coreReturnView(p: ProcessView) {
  const b = (p.summary as { batch: Batch }).batch;
  const money = (minor: number | null) => (minor === null ? null : { amount: formatMinor(minor), currency: b.currency });
  const decision = (d: Decision | null) => d && { decision: d.decision, reasonCode: d.reasonCode, by: d.by, at: d.at, approved: money(d.approvedMinor) };
  const sum = (f: (c: Core) => number, cores = b.cores) => cores.reduce((s, c) => s + f(c), 0);

  const cores = b.cores.map((c) => ({
    lineNo: c.lineNo, partNo: c.partNo, vehicleModel: c.vehicleModel, failureCode: c.failureCode, fittedOn: c.fittedOn,
    claimed: money(c.claimedMinor), stage: c.stage, received: c.received, condition: c.condition,
    standardPrice: money(c.standardPriceMinor), ruleNote: c.ruleNote, appraisalDueAt: c.appraisalDueAt, escalated: c.escalated,
    decision: decision(c.decision), objection: c.objection, objectionDueAt: c.objectionDueAt, finalDecision: decision(c.finalDecision),
    disposition: c.disposition, plannedDisposition: c.plannedDisposition, rmaNo: c.rmaNo,
    credited: money(c.creditedMinor), recovered: money(c.recoveredMinor),
  }));
  const received = b.cores.filter((c) => c.received);
  const approved = b.cores.filter((c) => c.stage === 'approved');
  const rejected = b.cores.filter((c) => c.stage === 'finally-rejected' || c.stage === 'rejected');

  const statement = {
    batchNo: b.batchNo, dealerId: b.dealerId, currency: b.currency,
    lines: b.cores.map((c) => {
      const last = c.finalDecision ?? c.decision;
      return {
        lineNo: c.lineNo, partNo: c.partNo, outcome: OUTCOME[c.stage] ?? c.stage,
        reason: c.stage === 'missing' ? 'listed but not received' : last?.reasonCode ?? c.ruleNote,
        decidedBy: last ? (last.by === 'rule' ? 'warranty standard' : 'appraiser') : null,
        finalAfterObjection: c.finalDecision !== null,
        claimed: money(c.claimedMinor), credited: money(c.creditedMinor),
      };
    }),
    missing: b.cores.filter((c) => c.stage === 'missing').map((c) => ({ lineNo: c.lineNo, partNo: c.partNo })),
    unlisted: b.extras.map((e) => ({ partNo: e.partNo, condition: e.condition, note: e.note, returnedToDealer: e.returnedToDealer })),
    totals: {
      announced: b.cores.length, received: received.length, approved: approved.length, rejected: rejected.length,
      pending: b.cores.filter((c) => ['awaiting-appraisal', 'objected', 'announced'].includes(c.stage)).length,
      claimedReceived: money(sum((c) => c.claimedMinor, received)), credited: money(sum((c) => c.creditedMinor)),
    },
  };

  return {
    id: p.id, dealerId: b.dealerId, batchNo: b.batchNo, status: p.status, currency: b.currency, filedAt: b.filedAt,
    receivedAt: b.receivedAt, escalationLevel: p.escalationLevel, dueAt: p.dueAt, policy: b.policy,
    cores, unlisted: statement.unlisted,
    supplierReturns: b.supplierReturns.map((r) => ({
      rmaNo: r.rmaNo, supplierId: r.supplierId, lineNos: r.lineNos, expected: money(r.expectedMinor), credited: money(r.creditedMinor),
      at: r.at, creditedAt: r.creditedAt,
    })),
    credited: money(sum((c) => c.creditedMinor)), recovered: money(sum((c) => c.recoveredMinor)),
    statement,
    timeline: p.timeline,
  };
}

import { allHandlersFinished, condition, defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

import type { CoreReturnActivities, CoreReturnView, CoreState, SupplierReturn } from '../activities/core-returns.ts';
import { DB_STEP } from './activity-options.ts';
import { refusal } from './failures.ts';
import { processId } from './ids.ts';

// Warranty core return (DESIGN.md P2): a dealer's batch of cores is received, each core is
// appraised by rule or by an appraiser, a rejection can be objected to once, and approved cores
// go to their supplier or to scrap. The workflow owns the batch state; every change is booked
// by an activity that also saves that state as the process row the API reads.

const act = proxyActivities<CoreReturnActivities>(DB_STEP);

const DAY_MS = 86_400_000;
export const DEFAULT_CORE_RETURN_POLICY = { appraisalDays: 5, objectionDays: 15 };

export interface CoreReturnInput {
  dealerId: string;
  batchNo: string;
  currency: string;
  actor: string;
  cores: { lineNo: number; partNo: string; vehicleModel: string; failureCode: string; fittedOn: string; claimedMinor: number }[];
  /** days an appraiser has before the batch escalates, days a dealer has to object */
  policy?: Partial<CoreReturnView['policy']>;
}

export interface ReceiptInput {
  lines: { lineNo: number; received: boolean; condition?: string | null }[];
  extras: { partNo: string; condition?: string | null; note?: string | null }[];
  actor: string;
}
export interface AppraisalInput {
  lineNo: number;
  decision: 'approve' | 'reject';
  reasonCode: string;
  approvedMinor?: number;
  /** the currency of approvedMinor; it must be the batch's */
  currency?: string;
  disposition?: 'return-to-supplier' | 'scrap';
  actor: string;
}
export interface ObjectionInput { lineNo: number; reason: string; actor: string }
export interface SupplierReturnInput { supplierId: string; lineNos: number[]; rmaNo: string; actor: string }
export interface SupplierCreditInput { rmaNo: string; amountMinor: number; currency: string; actor: string }

export const receiptUpdate = defineUpdate<CoreReturnView, [ReceiptInput]>('receipt');
export const appraisalUpdate = defineUpdate<CoreReturnView, [AppraisalInput]>('appraisal');
export const objectionUpdate = defineUpdate<CoreReturnView, [ObjectionInput]>('objection');
export const finalAppraisalUpdate = defineUpdate<CoreReturnView, [AppraisalInput]>('finalAppraisal');
export const supplierReturnUpdate = defineUpdate<CoreReturnView, [SupplierReturnInput]>('supplierReturn');
export const supplierCreditUpdate = defineUpdate<CoreReturnView, [SupplierCreditInput]>('supplierCredit');
export const coreReturnQuery = defineQuery<CoreReturnView>('coreReturn');

const iso = (ms: number) => new Date(ms).toISOString();
/** minor units as decimal text, for messages */
const decimal = (minor: number | null) => {
  const m = BigInt(minor ?? 0);
  return `${m / 100n}.${(m % 100n).toString().padStart(2, '0')}`;
};
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** a core is done when nothing more can happen to it */
function coreDone(c: CoreState, v: CoreReturnView): boolean {
  if (c.stage === 'missing') return true;
  if (c.stage === 'finally-rejected') return c.disposition === 'returned-to-dealer';
  if (c.stage !== 'approved') return false;
  if (c.disposition === 'scrapped') return true;
  const rma = v.supplierReturns.find((r) => r.rmaNo === c.rmaNo);
  return c.disposition === 'returned-to-supplier' && rma?.creditedMinor !== null && rma !== undefined;
}

function batchStatus(v: CoreReturnView): string {
  if (!v.receivedAt) return 'awaiting-receipt';
  if (v.cores.every((c) => coreDone(c, v))) return 'settled';
  if (v.cores.some((c) => ['awaiting-appraisal', 'objected'].includes(c.stage))) return 'in-appraisal';
  if (v.cores.some((c) => c.stage === 'rejected')) return 'objection-period';
  if (v.cores.some((c) => c.stage === 'approved' && c.disposition === null)) return 'awaiting-supplier-return';
  return 'awaiting-supplier-credit';
}

function coreOf(v: CoreReturnView, lineNo: number): CoreState {
  const c = v.cores.find((x) => x.lineNo === lineNo);
  if (!c) throw refusal('not-found', 'unknown-line', `batch ${v.batchNo} has no line ${lineNo}`, { lineNo });
  return c;
}

/** the amount an approval credits: what was claimed, capped by the standard price */
function approvedAmount(c: CoreState, asked: number | undefined, currency?: string, batchCurrency?: string): number {
  if (currency !== undefined && currency !== batchCurrency) {
    throw refusal('refused', 'currency-mismatch',
      `line ${c.lineNo}: the batch is in ${batchCurrency}, the approved amount in ${currency}`,
      { field: 'approvedAmount.currency' });
  }
  const cap = Math.min(c.claimedMinor, c.standardPriceMinor ?? c.claimedMinor);
  if (asked === undefined) return cap;
  if (asked > c.claimedMinor) throw refusal('refused', 'above-claim',
    `line ${c.lineNo}: the approved amount exceeds the ${decimal(c.claimedMinor)} claimed`,
    { lineNo: c.lineNo });
  if (asked > cap) throw refusal('refused', 'above-standard-price',
    `line ${c.lineNo}: the approved amount exceeds the standard price ${decimal(c.standardPriceMinor)}`,
    { lineNo: c.lineNo });
  if (asked <= 0) throw refusal('invalid', 'invalid-request', 'approvedAmount: must be greater than zero', { field: 'approvedAmount' });
  return asked;
}

interface Verdict {
  decision: 'approve' | 'reject';
  reasonCode: string;
  by: string;
  approvedMinor: number;
  final: boolean;
  disposition?: 'return-to-supplier' | 'scrap';
}
/** what a decision books: the credit, a scrap move, a return to the dealer */
type Booking = { lineNo: number; creditMinor: number; scrap: boolean; backToDealer: boolean };

const sameDecision = (d: CoreState['decision'], a: AppraisalInput) =>
  d !== null && d.by === a.actor && d.decision === a.decision && d.reasonCode === a.reasonCode;

export async function coreReturnWorkflow(input: CoreReturnInput): Promise<CoreReturnView> {
  const id = processId('core-return', input.dealerId, input.batchNo);
  let v: CoreReturnView = {
    processId: id, dealerId: input.dealerId, batchNo: input.batchNo, currency: input.currency, status: 'awaiting-receipt',
    filedAt: iso(Date.now()), receivedAt: null, extras: [], supplierReturns: [],
    policy: { ...DEFAULT_CORE_RETURN_POLICY, ...input.policy },
    cores: input.cores.map((c) => ({
      ...c, stage: 'announced', received: null, condition: null, standardPriceMinor: null, ruleNote: null, appraisalDueAt: null,
      escalated: false, decision: null, objection: null, objectionDueAt: null, finalDecision: null, plannedDisposition: null,
      disposition: null, rmaNo: null, creditedMinor: 0, recoveredMinor: 0,
    })),
  };

  // human steps and timers take turns: each holds the batch while its activity books the change
  let busy = false;
  let version = 0;
  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // waiters released together by one activation must still go one at a time: look again after waking
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      version++;
    }
  }

  /** applies a change to a copy, books it, and keeps it only once the booking succeeded */
  async function commit(next: CoreReturnView, book: (n: CoreReturnView) => Promise<void>): Promise<CoreReturnView> {
    next.status = batchStatus(next);
    await book(next);
    v = next;
    return v;
  }

  /** records a decision on a core (of a copy) and plans its booking: credit and scrap on approval, return on final rejection */
  function decide(c: CoreState, d: Verdict, plan: Booking[]) {
    const decision = {
      decision: d.decision, reasonCode: d.reasonCode, by: d.by, approvedMinor: d.decision === 'approve' ? d.approvedMinor : 0, at: iso(Date.now()),
    };
    if (c.stage === 'objected') c.finalDecision = decision;
    else c.decision = decision;
    if (d.decision === 'approve') {
      c.stage = 'approved';
      c.creditedMinor = d.approvedMinor;
      c.plannedDisposition = d.disposition ?? 'return-to-supplier';
      if (c.plannedDisposition === 'scrap') c.disposition = 'scrapped';
      plan.push({ lineNo: c.lineNo, creditMinor: d.approvedMinor, scrap: c.plannedDisposition === 'scrap', backToDealer: false });
    } else if (d.final) {
      c.stage = 'finally-rejected';
      c.plannedDisposition = 'return-to-dealer';
      c.disposition = 'returned-to-dealer';
      plan.push({ lineNo: c.lineNo, creditMinor: 0, scrap: false, backToDealer: true });
    } else {
      c.stage = 'rejected';
      c.objectionDueAt = iso(Date.now() + v.policy.objectionDays * DAY_MS);
    }
  }

  // ---- receipt and the rule appraisal ------------------------------------------------------

  const checkReceipt = (r: ReceiptInput) => {
    if (v.receivedAt) {
      const same = r.lines.every((l) => coreOf(v, l.lineNo).received === l.received) && r.extras.length === v.extras.length;
      if (!same) throw refusal('conflict', 'already-received', `batch ${v.batchNo} was received already, with other counts`);
      return 'repeat';
    }
    const listed = r.lines.map((l) => l.lineNo);
    const unknown = listed.filter((n) => !v.cores.some((c) => c.lineNo === n));
    if (unknown.length) throw refusal('refused', 'unknown-line',
      `batch ${v.batchNo} has no line(s) ${unknown.join(', ')}`,
      { unknown });
    const unaccounted = v.cores.filter((c) => !listed.includes(c.lineNo)).map((c) => c.lineNo);
    if (unaccounted.length || new Set(listed).size !== listed.length) {
      throw refusal('refused', 'receipt-incomplete',
        `the receipt must account for every listed line exactly once; missing ${unaccounted.join(', ') || 'none'}`,
        { unaccounted });
    }
    return 'new';
  };

  setHandler(receiptUpdate, (r) => exclusive(async () => {
    if (checkReceipt(r) === 'repeat') return v;
    const now = Date.now();
    const next = copy(v);
    next.receivedAt = iso(now);
    next.extras = r.extras.map((e) => ({ partNo: e.partNo, condition: e.condition ?? null, note: e.note ?? null, returnedToDealer: false }));
    for (const l of r.lines) {
      const c = coreOf(next, l.lineNo);
      c.received = l.received;
      c.condition = l.condition ?? null;
      c.stage = l.received ? 'awaiting-appraisal' : 'missing';
    }
    const received = next.cores.filter((c) => c.received).map((c) => c.lineNo);
    const missing = next.cores.filter((c) => !c.received).map((c) => c.lineNo);
    await commit(next, (n) => act.receiveCores({
      view: n, actor: r.actor, step: 'received', lineNos: received,
      detail: { received, missing, unlisted: n.extras.map((e) => e.partNo) },
    }));

    const byRule = await act.appraiseCoresByRule({
      currency: v.currency, filedOn: v.filedAt.slice(0, 10),
      cores: v.cores.filter((c) => c.received).map((c) => ({
        lineNo: c.lineNo, partNo: c.partNo, failureCode: c.failureCode, condition: c.condition, fittedOn: c.fittedOn, claimedMinor: c.claimedMinor,
      })),
    });
    const ruled = copy(v);
    const plan: Booking[] = [];
    for (const o of byRule) {
      const c = coreOf(ruled, o.lineNo);
      c.standardPriceMinor = o.standardPriceMinor;
      if (o.outcome === 'appraiser') {
        c.ruleNote = o.reasonCode;
        c.appraisalDueAt = iso(Date.now() + v.policy.appraisalDays * DAY_MS);
      } else {
        decide(c, {
          decision: o.outcome, reasonCode: o.reasonCode, by: 'rule', final: false,
          approvedMinor: o.outcome === 'approve' ? o.approvedMinor : 0, disposition: o.outcome === 'approve' ? o.disposition : undefined,
        }, plan);
      }
    }
    return commit(ruled, (n) => act.decideCores({
      view: n, actor: 'rule', step: 'rule-appraisal', decisions: plan,
      detail: { decided: byRule.map((o) => ({ lineNo: o.lineNo, outcome: o.outcome, reasonCode: o.reasonCode })) },
    }));
  }), { validator: (r) => void checkReceipt(r) });

  // ---- appraisal, objection, final appraisal -------------------------------------------------

  const checkAppraisal = (a: AppraisalInput) => {
    const c = coreOf(v, a.lineNo);
    if (sameDecision(c.decision, a)) return 'repeat';
    if (c.stage !== 'awaiting-appraisal') {
      throw refusal('conflict', 'not-awaiting-appraisal',
        `line ${a.lineNo} of batch ${v.batchNo} is ${c.stage}, not awaiting appraisal`,
        { lineNo: a.lineNo, stage: c.stage });
    }
    if (a.decision === 'approve') approvedAmount(c, a.approvedMinor, a.currency, v.currency);
    return 'new';
  };

  setHandler(appraisalUpdate, (a) => exclusive(async () => {
    if (checkAppraisal(a) === 'repeat') return v;
    const next = copy(v);
    const c = coreOf(next, a.lineNo);
    const plan: Booking[] = [];
    decide(c, {
      decision: a.decision, reasonCode: a.reasonCode, by: a.actor, final: false,
      approvedMinor: a.decision === 'approve' ? approvedAmount(c, a.approvedMinor, a.currency, v.currency) : 0, disposition: a.disposition,
    }, plan);
    return commit(next, (n) => act.decideCores({
      view: n, actor: a.actor, step: `appraisal:line-${a.lineNo}`, decisions: plan,
      detail: { lineNo: a.lineNo, decision: a.decision, reasonCode: a.reasonCode, approvedMinor: c.creditedMinor },
    }));
  }), { validator: (a) => void checkAppraisal(a) });

  const checkObjection = (o: ObjectionInput) => {
    const c = coreOf(v, o.lineNo);
    if (c.objection) {
      if (c.objection.reason === o.reason) return 'repeat';
      throw refusal('conflict', 'already-objected',
        `line ${o.lineNo} of batch ${v.batchNo} was objected to already`,
        { lineNo: o.lineNo });
    }
    if (c.stage === 'finally-rejected') {
      throw refusal('refused', 'objection-period-over',
        `the objection period of line ${o.lineNo} ended at ${c.objectionDueAt}; the rejection is final`,
        { lineNo: o.lineNo, objectionDueAt: c.objectionDueAt });
    }
    if (c.stage !== 'rejected') {
      throw refusal('conflict', 'not-rejected',
        `line ${o.lineNo} of batch ${v.batchNo} is ${c.stage}; only a rejection can be objected to`,
        { lineNo: o.lineNo, stage: c.stage });
    }
    if (Date.now() > Date.parse(c.objectionDueAt!)) {
      throw refusal('refused', 'objection-period-over',
        `the objection period of line ${o.lineNo} ended at ${c.objectionDueAt}`,
        { lineNo: o.lineNo, objectionDueAt: c.objectionDueAt });
    }
    return 'new';
  };

  setHandler(objectionUpdate, (o) => exclusive(async () => {
    if (checkObjection(o) === 'repeat') return v;
    const next = copy(v);
    const c = coreOf(next, o.lineNo);
    c.stage = 'objected';
    c.objection = { reason: o.reason, by: o.actor, at: iso(Date.now()) };
    c.appraisalDueAt = iso(Date.now() + v.policy.appraisalDays * DAY_MS);
    c.escalated = false;
    return commit(next, (n) => act.recordCoreReturnStep({
      view: n, actor: o.actor, step: `objection:line-${o.lineNo}`, detail: { lineNo: o.lineNo, reason: o.reason },
    }));
  }), { validator: (o) => void checkObjection(o) });

  const checkFinal = (a: AppraisalInput) => {
    const c = coreOf(v, a.lineNo);
    if (sameDecision(c.finalDecision, a)) return 'repeat';
    if (c.stage !== 'objected') {
      throw refusal('conflict', 'not-objected',
        `line ${a.lineNo} of batch ${v.batchNo} is ${c.stage}; a final appraisal follows an objection`,
        { lineNo: a.lineNo, stage: c.stage });
    }
    if (c.decision?.by === a.actor) {
      throw refusal('refused', 'second-appraiser-required',
        `line ${a.lineNo}: the final appraisal must be made by an appraiser other than ${a.actor}, who made the first one`,
        { lineNo: a.lineNo, firstAppraiser: a.actor });
    }
    if (a.decision === 'approve') approvedAmount(c, a.approvedMinor, a.currency, v.currency);
    return 'new';
  };

  setHandler(finalAppraisalUpdate, (a) => exclusive(async () => {
    if (checkFinal(a) === 'repeat') return v;
    const next = copy(v);
    const c = coreOf(next, a.lineNo);
    const plan: Booking[] = [];
    decide(c, {
      decision: a.decision, reasonCode: a.reasonCode, by: a.actor, final: true,
      approvedMinor: a.decision === 'approve' ? approvedAmount(c, a.approvedMinor, a.currency, v.currency) : 0, disposition: a.disposition,
    }, plan);
    return commit(next, (n) => act.decideCores({
      view: n, actor: a.actor, step: `final-appraisal:line-${a.lineNo}`, decisions: plan,
      detail: { lineNo: a.lineNo, decision: a.decision, reasonCode: a.reasonCode, approvedMinor: c.creditedMinor },
    }));
  }), { validator: (a) => void checkFinal(a) });

  // ---- supplier return and supplier credit ---------------------------------------------------

  const checkSupplierReturn = (s: SupplierReturnInput) => {
    const earlier = v.supplierReturns.find((r) => r.rmaNo === s.rmaNo);
    if (earlier) {
      if (earlier.supplierId === s.supplierId && [...earlier.lineNos].sort().join() === [...s.lineNos].sort().join()) return 'repeat';
      throw refusal('conflict', 'rma-reused',
        `RMA ${s.rmaNo} was recorded already with other lines or another supplier`,
        { rmaNo: s.rmaNo });
    }
    if (new Set(s.lineNos).size !== s.lineNos.length) throw refusal('invalid', 'invalid-request', 'lineNos: must not repeat a line', { field: 'lineNos' });
    for (const n of s.lineNos) {
      const c = coreOf(v, n);
      if (c.stage !== 'approved' || c.plannedDisposition !== 'return-to-supplier' || c.disposition !== null) {
        const where = c.disposition ? `${c.stage}, ${c.disposition}` : c.stage;
        throw refusal('conflict', 'not-returnable',
          `line ${n} of batch ${v.batchNo} is ${where}; only approved cores waiting for a supplier return can go`,
          { lineNo: n });
      }
    }
    return 'new';
  };

  setHandler(supplierReturnUpdate, (s) => exclusive(async () => {
    if (checkSupplierReturn(s) === 'repeat') return v;
    const next = copy(v);
    const cores = s.lineNos.map((n) => coreOf(next, n));
    const rma: SupplierReturn = {
      rmaNo: s.rmaNo, supplierId: s.supplierId, lineNos: [...s.lineNos].sort((a, b) => a - b),
      expectedMinor: cores.reduce((sum, c) => sum + c.creditedMinor, 0), creditedMinor: null, at: iso(Date.now()), creditedAt: null,
    };
    for (const c of cores) {
      c.disposition = 'returned-to-supplier';
      c.rmaNo = s.rmaNo;
    }
    next.supplierReturns.push(rma);
    return commit(next, (n) => act.returnCoresToSupplier({
      view: n, actor: s.actor, step: `supplier-return:${s.rmaNo}`, rma,
      detail: { rmaNo: s.rmaNo, supplierId: s.supplierId, lineNos: rma.lineNos, expectedMinor: rma.expectedMinor },
    }));
  }), { validator: (s) => void checkSupplierReturn(s) });

  const checkSupplierCredit = (s: SupplierCreditInput) => {
    const rma = v.supplierReturns.find((r) => r.rmaNo === s.rmaNo);
    if (!rma) throw refusal('not-found', 'unknown-rma',
      `batch ${v.batchNo} has no supplier return under RMA ${s.rmaNo}`,
      { rmaNo: s.rmaNo });
    if (rma.creditedMinor !== null) {
      if (rma.creditedMinor === s.amountMinor) return 'repeat';
      throw refusal('conflict', 'rma-already-credited',
        `RMA ${s.rmaNo} was credited already with another amount`,
        { rmaNo: s.rmaNo });
    }
    if (s.currency !== v.currency) throw refusal('refused', 'currency-mismatch',
      `the batch is in ${v.currency}, the credit in ${s.currency}`,
      { field: 'amount.currency' });
    if (s.amountMinor > rma.expectedMinor) {
      throw refusal('refused', 'above-recovery',
        `RMA ${s.rmaNo} recovers at most ${decimal(rma.expectedMinor)} ${v.currency}`,
        { rmaNo: s.rmaNo, expectedMinor: rma.expectedMinor });
    }
    return 'new';
  };

  setHandler(supplierCreditUpdate, (s) => exclusive(async () => {
    if (checkSupplierCredit(s) === 'repeat') return v;
    const next = copy(v);
    const rma = next.supplierReturns.find((r) => r.rmaNo === s.rmaNo)!;
    rma.creditedMinor = s.amountMinor;
    rma.creditedAt = iso(Date.now());
    shareRecovery(rma, next.cores);
    return commit(next, (n) => act.receiveSupplierCredit({
      view: n, actor: s.actor, step: `supplier-credit:${s.rmaNo}`, rma, amountMinor: s.amountMinor,
      detail: { rmaNo: s.rmaNo, amountMinor: s.amountMinor, shortMinor: rma.expectedMinor - s.amountMinor },
    }));
  }), { validator: (s) => void checkSupplierCredit(s) });

  setHandler(coreReturnQuery, () => v);

  // ---- deadlines -----------------------------------------------------------------------------

  // under the batch's turn, so an early receipt cannot be overwritten by the filing's row
  await exclusive(() => act.fileCoreReturn({ view: v, actor: input.actor, step: 'filed', detail: { cores: v.cores.length } }));

  while (v.status !== 'settled') {
    const seen = version;
    const due = nextDeadline(v);
    const wait = due === null ? undefined : Math.max(0, due - Date.now());
    if (wait === undefined) await condition(() => version !== seen);
    else if (wait > 0) await condition(() => version !== seen, wait);
    await exclusive(() => expire());
  }

  /** escalates missed appraisal deadlines and makes rejections final whose objection period ended */
  async function expire() {
    const now = Date.now();
    const late = v.cores.filter((c) => ['awaiting-appraisal', 'objected'].includes(c.stage) && !c.escalated && Date.parse(c.appraisalDueAt!) <= now);
    if (late.length) {
      const next = copy(v);
      const lineNos = late.map((c) => c.lineNo);
      for (const n of lineNos) coreOf(next, n).escalated = true;
      await commit(next, (n) => act.recordCoreReturnStep({
        view: n, actor: 'system', step: `appraisal-escalated:${lineNos.join('-')}:${iso(now)}`,
        detail: { lineNos, to: 'supervisor' },
      }));
    }
    const lapsed = v.cores.filter((c) => c.stage === 'rejected' && Date.parse(c.objectionDueAt!) <= now);
    if (lapsed.length) {
      const next = copy(v);
      const plan: Booking[] = [];
      for (const l of lapsed) {
        const c = coreOf(next, l.lineNo);
        c.stage = 'finally-rejected';
        c.plannedDisposition = 'return-to-dealer';
        c.disposition = 'returned-to-dealer';
        plan.push({ lineNo: c.lineNo, creditMinor: 0, scrap: false, backToDealer: true });
      }
      const lineNos = lapsed.map((c) => c.lineNo);
      await commit(next, (n) => act.decideCores({
        view: n, actor: 'system', step: `objection-period-ended:${lineNos.join('-')}`, decisions: plan, detail: { lineNos },
      }));
    }
  }

  // let a step that settled the batch answer its caller before the workflow completes
  await condition(allHandlersFinished);
  const closed = copy(v);
  closed.status = 'closed';
  for (const e of closed.extras) e.returnedToDealer = true;
  await act.closeCoreReturn({ view: closed, actor: 'system', step: 'closed', detail: { unlistedReturned: closed.extras.length } });
  v = closed;
  return v;
}

/** the next instant a timer must act: an open appraisal deadline or the end of an objection period */
function nextDeadline(v: CoreReturnView): number | null {
  const dues = v.cores.flatMap((c) => [
    ['awaiting-appraisal', 'objected'].includes(c.stage) && !c.escalated && c.appraisalDueAt ? Date.parse(c.appraisalDueAt) : null,
    c.stage === 'rejected' && c.objectionDueAt ? Date.parse(c.objectionDueAt) : null,
  ]).filter((d): d is number => d !== null);
  return dues.length ? Math.min(...dues) : null;
}

/** splits a supplier's credit over the cores of its RMA by their credited amounts, to the cent */
function shareRecovery(rma: SupplierReturn, cores: CoreState[]) {
  const of = rma.lineNos.map((n) => cores.find((c) => c.lineNo === n)!);
  let before = 0n;
  let given = 0n;
  for (const c of of) {
    before += BigInt(c.creditedMinor);
    const upTo = rma.expectedMinor === 0 ? 0n : (BigInt(rma.creditedMinor!) * before) / BigInt(rma.expectedMinor);
    c.recoveredMinor = Number(upTo - given);
    given = upTo;
  }
}

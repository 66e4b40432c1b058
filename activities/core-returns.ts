import type { EntityManager } from '@mikro-orm/postgresql';

import { account } from '../db/accounts.ts';
import { binLocation } from '../db/entities/master.ts';
import { getBin, upsertBin } from '../db/master.ts';
import { saveProcess, recordStep } from '../db/processes.ts';
import { inTransaction } from '../db/tx.ts';
import { ruleAppraisal, standardsForParts, type Disposition, type RuleOutcome } from '../db/warranty.ts';
import { businessStep, type ActivityDeps } from './support.ts';

// The steps of a warranty core return (DESIGN.md P2) that touch the ledger. Each one writes
// its postings, the process row (the batch view the workflow hands over) and a timeline step in
// one transaction. Posting keys are the process id and the business step, so a retried
// activity finds its earlier journal instead of posting again.

/** the bin of the returned-cores warehouse where received cores wait for their disposition */
export const CORE_INSPECTION_BIN = { warehouse: 'CORE', bin: 'INSPECTION' } as const;
const INSPECTION = binLocation(CORE_INSPECTION_BIN.warehouse, CORE_INSPECTION_BIN.bin);

export type CoreStage =
  | 'announced' | 'missing' | 'awaiting-appraisal' | 'rejected' | 'objected' | 'approved' | 'finally-rejected';

export interface CoreDecision {
  decision: 'approve' | 'reject';
  reasonCode: string;
  /** `rule` when the warranty standard decided, else the appraiser's actor id */
  by: string;
  approvedMinor: number;
  at: string;
}

export interface CoreState {
  lineNo: number;
  partNo: string;
  vehicleModel: string;
  failureCode: string;
  fittedOn: string;
  claimedMinor: number;
  stage: CoreStage;
  received: boolean | null;
  condition: string | null;
  standardPriceMinor: number | null;
  /** why the rule sent the core to an appraiser */
  ruleNote: string | null;
  appraisalDueAt: string | null;
  escalated: boolean;
  decision: CoreDecision | null;
  objection: { reason: string; by: string; at: string } | null;
  objectionDueAt: string | null;
  finalDecision: CoreDecision | null;
  /** what is planned for an approved core; `return-to-dealer` for a finally rejected one */
  plannedDisposition: Disposition | 'return-to-dealer' | null;
  disposition: 'returned-to-supplier' | 'scrapped' | 'returned-to-dealer' | null;
  rmaNo: string | null;
  creditedMinor: number;
  recoveredMinor: number;
}

export interface ExtraCore {
  partNo: string;
  condition: string | null;
  note: string | null;
  returnedToDealer: boolean;
}

export interface SupplierReturn {
  rmaNo: string;
  supplierId: string;
  lineNos: number[];
  expectedMinor: number;
  creditedMinor: number | null;
  at: string;
  creditedAt: string | null;
}

/** the whole state of a batch; the workflow owns it and every activity saves it as the summary */
export interface CoreReturnView {
  processId: string;
  dealerId: string;
  batchNo: string;
  currency: string;
  status: string;
  filedAt: string;
  receivedAt: string | null;
  cores: CoreState[];
  extras: ExtraCore[];
  supplierReturns: SupplierReturn[];
  policy: { appraisalDays: number; objectionDays: number };
}

interface StepInput {
  view: CoreReturnView;
  actor: string;
  /** the business step, unique within the batch; keys and the timeline are named by it */
  step: string;
  detail?: Record<string, unknown>;
}

const creditedTotal = (v: CoreReturnView) => v.cores.reduce((s, c) => s + c.creditedMinor, 0);

/** the earliest deadline still open: an appraisal due or an objection period ending */
function nextDue(v: CoreReturnView): Date | null {
  const dues = v.cores.flatMap((c) => [
    c.stage === 'awaiting-appraisal' || c.stage === 'objected' ? c.appraisalDueAt : null,
    c.stage === 'rejected' ? c.objectionDueAt : null,
  ]).filter((d): d is string => d !== null).sort();
  return dues[0] ? new Date(dues[0]) : null;
}

export function createCoreReturnActivities(deps: ActivityDeps) {
  async function saveBatch(em: EntityManager, s: StepInput) {
    const at = deps.now();
    const v = s.view;
    await saveProcess(em, {
      id: v.processId, type: 'core-return', businessKey: `${v.dealerId}/${v.batchNo}`, status: v.status, dealerId: v.dealerId,
      amountMinor: creditedTotal(v), currency: v.currency, dueAt: nextDue(v), summary: { batch: v },
      // 1 while a core whose appraisal deadline passed still waits: the supervisor's list
      escalationLevel: v.cores.some((c) => c.escalated && (c.stage === 'awaiting-appraisal' || c.stage === 'objected')) ? 1 : 0,
    }, at);
    await recordStep(em, { processId: v.processId, step: s.step.replace(/:.*$/, ''), actor: s.actor, key: `${v.processId}:${s.step}`, detail: s.detail, at });
  }

  const posting = (s: StepInput, name: string) => ({
    key: `${s.view.processId}:${name}`, step: s.step.replace(/:.*$/, ''), actor: s.actor, processId: s.view.processId, at: deps.now(),
  });

  return {
    /** records a filed batch before anything arrives */
    async fileCoreReturn(s: StepInput): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, (em) => saveBatch(em, s)));
    },

    /** takes the received cores, listed or not, from the dealer into the inspection bin */
    async receiveCores(s: StepInput & { lineNos: number[] }): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const listed = s.view.cores.filter((c) => s.lineNos.includes(c.lineNo)).map((c) => c.partNo);
        const moves = [...listed, ...s.view.extras.map((e) => e.partNo)];
        if (moves.length) {
          if (!(await getBin(em, CORE_INSPECTION_BIN.warehouse, CORE_INSPECTION_BIN.bin))) await upsertBin(em, CORE_INSPECTION_BIN, 'system');
          await deps.ledger.moveStock(em, {
            ...posting(s, 'receipt'), reason: 'core-receipt', documentRef: s.view.processId,
            moves: groupMoves(moves, '@dealer', INSPECTION),
          });
        }
        await saveBatch(em, s);
      }));
    },

    /** the rule appraisal of received cores against their warranty standards; reads only */
    async appraiseCoresByRule(a: { cores: { lineNo: number; partNo: string; failureCode: string; condition: string | null; fittedOn: string; claimedMinor: number }[]; currency: string; filedOn: string }):
      Promise<(RuleOutcome & { lineNo: number })[]> {
      return businessStep(async () => {
        const standards = await standardsForParts(deps.orm.em.fork(), a.cores.map((c) => c.partNo));
        return a.cores.map((c) => ({ lineNo: c.lineNo, ...ruleAppraisal({ ...c, currency: a.currency }, standards.get(c.partNo) ?? null, a.filedOn) }));
      });
    },

    /**
     * Books decisions: an approval credits the dealer (warranty expense against the dealer's
     * receivable) and scraps the core when that is its disposition; a final rejection ships the
     * core back to the dealer. A first rejection books nothing: the objection period runs.
     */
    async decideCores(s: StepInput & { decisions: { lineNo: number; creditMinor: number; scrap: boolean; backToDealer: boolean }[] }): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const v = s.view;
        for (const d of s.decisions) {
          const core = v.cores.find((c) => c.lineNo === d.lineNo)!;
          if (d.creditMinor > 0) {
            await deps.ledger.postMoney(em, {
              ...posting(s, `core-${d.lineNo}:credit`), description: `warranty credit, batch ${v.batchNo} line ${d.lineNo}`,
              lines: [
                { account: account.warrantyExpense, currency: v.currency, amount: BigInt(d.creditMinor) },
                { account: account.dealerReceivable(v.dealerId), currency: v.currency, amount: -BigInt(d.creditMinor) },
              ],
            });
          }
          if (d.scrap || d.backToDealer) {
            await deps.ledger.moveStock(em, {
              ...posting(s, `core-${d.lineNo}:${d.scrap ? 'scrap' : 'back-to-dealer'}`),
              reason: d.scrap ? 'core-scrapped' : 'core-returned-to-dealer', documentRef: v.processId,
              moves: [{ partNo: core.partNo, from: INSPECTION, to: d.scrap ? '@scrap' : '@dealer', quantity: 1 }],
            });
          }
        }
        await saveBatch(em, s);
      }));
    },

    /** records a dealer's objection, or an escalation of a missed appraisal deadline */
    async recordCoreReturnStep(s: StepInput): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, (em) => saveBatch(em, s)));
    },

    /**
     * Ships approved cores to their supplier and books what the supplier owes for them: the
     * supplier's recovery receivable against warranty expense, for the amounts credited.
     */
    async returnCoresToSupplier(s: StepInput & { rma: SupplierReturn }): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const v = s.view;
        const parts = s.rma.lineNos.map((n) => v.cores.find((c) => c.lineNo === n)!.partNo);
        await deps.ledger.moveStock(em, {
          ...posting(s, `rma-${s.rma.rmaNo}:ship`), reason: 'core-returned-to-supplier', documentRef: s.rma.rmaNo,
          moves: groupMoves(parts, INSPECTION, '@supplier'),
        });
        if (s.rma.expectedMinor > 0) {
          await deps.ledger.postMoney(em, {
            ...posting(s, `rma-${s.rma.rmaNo}:recovery`), description: `recovery due from ${s.rma.supplierId}, RMA ${s.rma.rmaNo}`,
            lines: [
              { account: account.supplierRecovery(s.rma.supplierId), currency: v.currency, amount: BigInt(s.rma.expectedMinor) },
              { account: account.warrantyExpense, currency: v.currency, amount: -BigInt(s.rma.expectedMinor) },
            ],
          });
        }
        await saveBatch(em, s);
      }));
    },

    /**
     * Books a supplier's credit for an RMA: the bank receives it and the recovery is closed. What
     * the supplier pays short of the recovery stays warranty expense, so the recovery closes
     * whole either way.
     */
    async receiveSupplierCredit(s: StepInput & { rma: SupplierReturn; amountMinor: number }): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const v = s.view;
        const short = s.rma.expectedMinor - s.amountMinor;
        const lines = [
          { account: account.bank, currency: v.currency, amount: BigInt(s.amountMinor) },
          { account: account.warrantyExpense, currency: v.currency, amount: BigInt(short) },
          { account: account.supplierRecovery(s.rma.supplierId), currency: v.currency, amount: -BigInt(s.rma.expectedMinor) },
        ].filter((l) => l.amount !== 0n);
        if (lines.length >= 2) {
          await deps.ledger.postMoney(em, {
            ...posting(s, `rma-${s.rma.rmaNo}:credit`), description: `supplier credit from ${s.rma.supplierId}, RMA ${s.rma.rmaNo}`, lines,
          });
        }
        await saveBatch(em, s);
      }));
    },

    /** closes the batch: cores that came without being listed go back to the dealer */
    async closeCoreReturn(s: StepInput): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const extras = s.view.extras.map((e) => e.partNo);
        if (extras.length) {
          await deps.ledger.moveStock(em, {
            ...posting(s, 'unlisted-back-to-dealer'), reason: 'unlisted-core-returned-to-dealer', documentRef: s.view.processId,
            moves: groupMoves(extras, INSPECTION, '@dealer'),
          });
        }
        await saveBatch(em, s);
      }));
    },
  };
}

/** one move per part number, counting the cores of that part */
function groupMoves(partNos: string[], from: string, to: string) {
  const counts = new Map<string, number>();
  for (const p of partNos) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([partNo, quantity]) => ({ partNo, from, to, quantity }));
}

export type CoreReturnActivities = ReturnType<typeof createCoreReturnActivities>;

import type { EntityManager } from '@mikro-orm/postgresql';

import { refused } from '../db/errors.ts';
import { recordStep, saveProcess } from '../db/processes.ts';
import { inTransaction } from '../db/tx.ts';
import { assertBinsOpen, raiseAlert } from '../db/warehouse.ts';
import { businessStep, type ActivityDeps } from './support.ts';

// The steps of inbound receiving (workflows/inbound-receipt.ts): count against the delivery
// note (@supplier → @inspection), inspection (rejected units back to @supplier on a return
// document, differences to purchasing), putaway of the accepted units (@inspection → bin).

export interface NoteLine { lineNo: number; partNo: string; quantity: number }
export interface InspectedLine { lineNo: number; accepted: number; rejected: number; reason: string | null }
export interface PutawayLine { lineNo: number; location: string; quantity: number }

/** a line's outcome: rejected (some units failed inspection), short or over the note, or accepted as noted */
export type LineOutcome = 'accepted' | 'short' | 'over' | 'rejected';

export interface ReceiptLineView extends NoteLine {
  counted: number | null;
  accepted: number | null;
  rejected: number | null;
  reason: string | null;
  outcome: LineOutcome | null;
  putaway: { location: string; quantity: number }[];
}

const TYPE = 'inbound-receipt';

async function receiptRow(em: EntityManager, r: { id: string; supplierId: string; deliveryNoteNo: string; status: string; summary: Record<string, unknown>; at: Date }) {
  await saveProcess(em, { id: r.id, type: TYPE, businessKey: `${r.supplierId}/${r.deliveryNoteNo}`, status: r.status, summary: r.summary }, r.at);
}

export function returnDocumentNo(supplierId: string, deliveryNoteNo: string) {
  return `RTN/${supplierId}/${deliveryNoteNo}`;
}

export function createInboundActivities(deps: ActivityDeps) {
  return {
    async registerInboundReceipt(r: { processId: string; supplierId: string; deliveryNoteNo: string; lines: NoteLine[]; contentHash: string; actor: string }):
      Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const at = deps.now();
        const lines: ReceiptLineView[] = r.lines.map((l) => ({ ...l, counted: null, accepted: null, rejected: null, reason: null, outcome: null, putaway: [] }));
        await receiptRow(em, {
          id: r.processId, supplierId: r.supplierId, deliveryNoteNo: r.deliveryNoteNo, status: 'awaiting-count', at,
          summary: { supplierId: r.supplierId, deliveryNoteNo: r.deliveryNoteNo, contentHash: r.contentHash, lines },
        });
        await recordStep(em, { processId: r.processId, step: 'delivery-registered', actor: r.actor, key: `${r.processId}:register`, detail: { lines: lines.length }, at });
      }));
    },

    /** what was counted moves from the supplier into inspection */
    async countInboundDelivery(c: { processId: string; supplierId: string; deliveryNoteNo: string; lines: ReceiptLineView[]; actor: string }): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const at = deps.now();
        const moves = c.lines.filter((l) => (l.counted ?? 0) > 0).map((l) => ({ partNo: l.partNo, from: '@supplier', to: '@inspection', quantity: l.counted! }));
        const journal = moves.length ? await deps.ledger.moveStock(em, {
          key: `${c.processId}:count`, processId: c.processId, step: 'count', actor: c.actor, at,
          reason: 'inbound-count', documentRef: c.deliveryNoteNo, moves,
        }) : null;
        await receiptRow(em, { id: c.processId, supplierId: c.supplierId, deliveryNoteNo: c.deliveryNoteNo, status: 'awaiting-inspection', summary: { lines: c.lines }, at });
        await recordStep(em, {
          processId: c.processId, step: 'delivery-counted', actor: c.actor, key: `${c.processId}:count`, at,
          detail: { journalId: journal?.id ?? null, lines: c.lines.map((l) => ({ lineNo: l.lineNo, noted: l.quantity, counted: l.counted })) },
        });
      }));
    },

    /**
     * Records the inspection: rejected units go back to the supplier on a return document, and
     * every difference from the delivery note (short, over, rejected) goes to purchasing.
     */
    async inspectInboundDelivery(c: { processId: string; supplierId: string; deliveryNoteNo: string; lines: ReceiptLineView[]; actor: string }):
      Promise<{ returnDocumentNo: string | null }> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const at = deps.now();
        const rejected = c.lines.filter((l) => (l.rejected ?? 0) > 0);
        const returnNo = rejected.length ? returnDocumentNo(c.supplierId, c.deliveryNoteNo) : null;
        const journal = returnNo ? await deps.ledger.moveStock(em, {
          key: `${c.processId}:return`, processId: c.processId, step: 'supplier-return', actor: c.actor, at,
          reason: 'supplier-return', documentRef: returnNo,
          moves: rejected.map((l) => ({ partNo: l.partNo, from: '@inspection', to: '@supplier', quantity: l.rejected! })),
        }) : null;

        const differences = c.lines.filter((l) => l.outcome !== 'accepted').map((l) => ({
          lineNo: l.lineNo, partNo: l.partNo, outcome: l.outcome, noted: l.quantity, counted: l.counted, accepted: l.accepted,
          rejected: l.rejected, reason: l.reason,
        }));
        if (differences.length) {
          await raiseAlert(em, {
            key: `${c.processId}:differences`, audience: 'purchasing', kind: 'delivery-differences', processId: c.processId, at,
            detail: { supplierId: c.supplierId, deliveryNoteNo: c.deliveryNoteNo, returnDocumentNo: returnNo, differences },
          });
        }
        const anyAccepted = c.lines.some((l) => (l.accepted ?? 0) > 0);
        await receiptRow(em, {
          id: c.processId, supplierId: c.supplierId, deliveryNoteNo: c.deliveryNoteNo, status: anyAccepted ? 'awaiting-putaway' : 'completed', at,
          summary: { lines: c.lines, returnDocumentNo: returnNo, returnJournalId: journal?.id ?? null, differences: differences.length },
        });
        await recordStep(em, {
          processId: c.processId, step: 'delivery-inspected', actor: c.actor, key: `${c.processId}:inspect`, at,
          detail: { returnDocumentNo: returnNo, differences: differences.length },
        });
        return { returnDocumentNo: returnNo };
      }));
    },

    /** the accepted units go to the bins the keeper confirmed; a bin held by a stock count refuses */
    async putAwayInbound(c: { processId: string; supplierId: string; deliveryNoteNo: string; lines: ReceiptLineView[]; putaway: PutawayLine[]; actor: string }):
      Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const at = deps.now();
        const locations = [...new Set(c.putaway.map((p) => p.location))];
        const known = await em.execute(`select code from location where physical and code in (${locations.map(() => '?').join(', ')})`, locations);
        const unknown = locations.find((l) => !known.some((k) => k.code === l));
        if (unknown) throw refused('unknown-bin', `${unknown} is not a bin`, { location: unknown });
        await assertBinsOpen(em, locations);
        const journal = await deps.ledger.moveStock(em, {
          key: `${c.processId}:putaway`, processId: c.processId, step: 'putaway', actor: c.actor, at,
          reason: 'putaway', documentRef: c.deliveryNoteNo,
          moves: c.putaway.map((p) => ({ partNo: c.lines.find((l) => l.lineNo === p.lineNo)!.partNo, from: '@inspection', to: p.location, quantity: p.quantity })),
        });
        await receiptRow(em, { id: c.processId, supplierId: c.supplierId, deliveryNoteNo: c.deliveryNoteNo, status: 'completed', summary: { lines: c.lines }, at });
        await recordStep(em, {
          processId: c.processId, step: 'put-away', actor: c.actor, key: `${c.processId}:putaway`, at,
          detail: { journalId: journal.id, bins: locations },
        });
      }));
    },
  };
}

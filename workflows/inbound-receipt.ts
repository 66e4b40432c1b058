import { allHandlersFinished, condition, defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

import type { Activities } from '../activities/index.ts';
import type { InspectedLine, LineOutcome, NoteLine, PutawayLine, ReceiptLineView } from '../activities/inbound.ts';
import { DB_STEP } from './activity-options.ts';
import { refusal } from './failures.ts';
import { processId as makeProcessId } from './ids.ts';
import { asStep } from './step-failure.ts';

// P5 inbound receiving, one per supplier delivery (supplier + delivery note number). The keeper
// counts every line of the note (@supplier → @inspection), inspection accepts or rejects each
// counted unit with a reason (rejected → back to @supplier on a return document; differences
// go to purchasing), and the accepted units are put away to the bins the keeper confirms
// (@inspection → bin). The stock put away is then offered to waiting backorders.

const act = proxyActivities<Activities>(DB_STEP);

export interface InboundReceiptInput {
  supplierId: string;
  deliveryNoteNo: string;
  lines: NoteLine[];
  /** hash of the note's lines, so a repeated request with other lines can be told apart */
  contentHash: string;
  actor: string;
}

export type InboundStatus = 'registering' | 'awaiting-count' | 'awaiting-inspection' | 'awaiting-putaway' | 'completed';

export interface InboundState {
  status: InboundStatus; lines: ReceiptLineView[]; returnDocumentNo: string | null;
  /** the dealer orders whose backorders the put-away stock released */
  backordersReleased: string[];
}

export interface CountInput { lines: { lineNo: number; counted: number }[]; actor: string }
export interface InspectionInput { lines: InspectedLine[]; actor: string }
export interface PutawayInput { lines: PutawayLine[]; actor: string }

export const receiptRegisteredUpdate = defineUpdate<InboundState>('receiptRegistered');
export const receiptCountUpdate = defineUpdate<InboundState, [CountInput]>('receiptCount');
export const receiptInspectionUpdate = defineUpdate<InboundState, [InspectionInput]>('receiptInspection');
export const receiptPutawayUpdate = defineUpdate<InboundState, [PutawayInput]>('receiptPutaway');
export const inboundReceiptQuery = defineQuery<InboundState>('inboundReceipt');

function outcomeOf(l: ReceiptLineView): LineOutcome {
  if ((l.rejected ?? 0) > 0) return 'rejected';
  if ((l.counted ?? 0) < l.quantity) return 'short';
  if ((l.counted ?? 0) > l.quantity) return 'over';
  return 'accepted';
}

/** every line of the receipt named exactly once, and no other */
function checkEveryLine(state: InboundState, lineNos: number[], which: (l: ReceiptLineView) => boolean) {
  const expected = state.lines.filter(which).map((l) => l.lineNo);
  const unknown = lineNos.find((n) => !expected.includes(n));
  if (unknown !== undefined) throw refusal('refused', 'unknown-line', `line ${unknown} is not a line to report at this step`, { lineNo: unknown });
  const missing = expected.find((n) => !lineNos.includes(n));
  if (missing !== undefined) throw refusal('refused', 'line-missing', `line ${missing} must be reported too`, { lineNo: missing });
  if (new Set(lineNos).size !== lineNos.length) throw refusal('invalid', 'invalid-request', 'lines: each line may be reported once');
}

export async function inboundReceiptWorkflow(input: InboundReceiptInput): Promise<InboundState> {
  const processId = makeProcessId('inbound-receipt', input.supplierId, input.deliveryNoteNo);
  const base = { processId, supplierId: input.supplierId, deliveryNoteNo: input.deliveryNoteNo };
  const state: InboundState = {
    status: 'registering', returnDocumentNo: null, backordersReleased: [],
    lines: input.lines.map((l) => ({ ...l, counted: null, accepted: null, rejected: null, reason: null, outcome: null, putaway: [] })),
  };
  const view = () => ({ ...state, lines: state.lines.map((l) => ({ ...l })) });
  const expect = (status: InboundStatus) => {
    if (state.status !== status) throw refusal('conflict', 'wrong-step', `receipt ${processId} is ${state.status}, not ${status}`, { status: state.status });
  };

  // The same step sent again once it was taken (a client retrying after a lost answer) answers
  // the receipt as it is: the same request twice has the effect of one (DESIGN.md §6). With
  // other content it is still a conflict.
  const STEPS: InboundStatus[] = ['registering', 'awaiting-count', 'awaiting-inspection', 'awaiting-putaway', 'completed'];
  const taken = (status: InboundStatus) => STEPS.indexOf(state.status) > STEPS.indexOf(status);
  const sameCount = (lines: CountInput['lines']) => lines.length === state.lines.length
    && lines.every((c) => state.lines.find((l) => l.lineNo === c.lineNo)?.counted === c.counted);
  const sameInspection = (lines: InspectedLine[]) => lines.length === state.lines.filter((l) => (l.counted ?? 0) > 0).length
    && lines.every((i) => {
      const l = state.lines.find((x) => x.lineNo === i.lineNo);
      return l !== undefined && l.accepted === i.accepted && l.rejected === i.rejected && l.reason === (i.reason ?? null);
    });
  const samePutaway = (lines: PutawayLine[]) => state.status === 'completed' && state.lines.every((l) => {
    const asked = lines.filter((p) => p.lineNo === l.lineNo).map((p) => `${p.location}|${p.quantity}`);
    return JSON.stringify(asked) === JSON.stringify(l.putaway.map((p) => `${p.location}|${p.quantity}`));
  }) && lines.every((p) => state.lines.some((l) => l.lineNo === p.lineNo));
  const repeat = (status: InboundStatus, same: boolean) => taken(status) && same;

  // steps run one at a time; one that waited re-checks that its step is still the current one
  let busy = false;
  const serially = async <T>(status: InboundStatus, same: () => boolean, run: () => Promise<T>): Promise<T | InboundState> => {
    // waiters released together by one activation must still go one at a time: look again after waking
    while (busy) await condition(() => !busy);
    if (repeat(status, same())) return view();
    expect(status);
    busy = true;
    try {
      return await run();
    } finally {
      busy = false;
    }
  };

  setHandler(inboundReceiptQuery, view);
  setHandler(receiptRegisteredUpdate, async () => {
    await condition(() => state.status !== 'registering');
    return view();
  });

  setHandler(receiptCountUpdate, ({ lines, actor }) => serially('awaiting-count', () => sameCount(lines), async () => {
    const next = state.lines.map((l) => ({ ...l, counted: lines.find((c) => c.lineNo === l.lineNo)!.counted }));
    await asStep(() => act.countInboundDelivery({ ...base, lines: next, actor }));
    state.lines = next;
    state.status = 'awaiting-inspection';
    return view();
  }), {
    validator: ({ lines }: CountInput) => {
      if (repeat('awaiting-count', sameCount(lines))) return;
      expect('awaiting-count');
      checkEveryLine(state, lines.map((l) => l.lineNo), () => true);
    },
  });

  setHandler(receiptInspectionUpdate, ({ lines, actor }) => serially('awaiting-inspection', () => sameInspection(lines), async () => {
    const next = state.lines.map((l) => {
      const i = lines.find((x) => x.lineNo === l.lineNo);
      const inspected = { ...l, accepted: i?.accepted ?? 0, rejected: i?.rejected ?? 0, reason: i?.reason ?? null };
      return { ...inspected, outcome: outcomeOf(inspected) };
    });
    const result = await asStep(() => act.inspectInboundDelivery({ ...base, lines: next, actor }));
    state.lines = next;
    state.returnDocumentNo = result.returnDocumentNo;
    state.status = next.some((l) => (l.accepted ?? 0) > 0) ? 'awaiting-putaway' : 'completed';
    return view();
  }), {
    validator: ({ lines }: InspectionInput) => {
      if (repeat('awaiting-inspection', sameInspection(lines))) return;
      expect('awaiting-inspection');
      checkEveryLine(state, lines.map((l) => l.lineNo), (l) => (l.counted ?? 0) > 0);
      for (const i of lines) {
        const l = state.lines.find((x) => x.lineNo === i.lineNo)!;
        if (i.accepted + i.rejected !== l.counted) {
          throw refusal('refused', 'inspection-mismatch', `line ${i.lineNo}: accepted ${i.accepted} + rejected ${i.rejected} must equal the ${l.counted} counted`,
            { lineNo: i.lineNo, counted: l.counted });
        }
        if (i.rejected > 0 && !i.reason) {
          throw refusal('refused', 'reason-required', `line ${i.lineNo}: rejected units need a reason`, { lineNo: i.lineNo });
        }
      }
    },
  });

  setHandler(receiptPutawayUpdate, ({ lines, actor }) => serially('awaiting-putaway', () => samePutaway(lines), async () => {
    const next = state.lines.map((l) => ({
      ...l, putaway: lines.filter((p) => p.lineNo === l.lineNo).map((p) => ({ location: p.location, quantity: p.quantity })),
    }));
    await asStep(() => act.putAwayInbound({ ...base, lines: next, putaway: lines, actor }));
    state.lines = next;
    state.status = 'completed';
    return view();
  }), {
    validator: ({ lines }: PutawayInput) => {
      if (repeat('awaiting-putaway', samePutaway(lines))) return;
      expect('awaiting-putaway');
      for (const l of state.lines) {
        const total = lines.filter((p) => p.lineNo === l.lineNo).reduce((s, p) => s + p.quantity, 0);
        if (total !== (l.accepted ?? 0)) {
          throw refusal('refused', 'putaway-mismatch', `line ${l.lineNo}: ${total} put away, but ${l.accepted ?? 0} were accepted`,
            { lineNo: l.lineNo, accepted: l.accepted ?? 0, putAway: total });
        }
      }
      const stranger = lines.find((p) => !state.lines.some((l) => l.lineNo === p.lineNo));
      if (stranger) throw refusal('refused', 'unknown-line', `line ${stranger.lineNo} is not on the delivery note`, { lineNo: stranger.lineNo });
    },
  });

  await act.registerInboundReceipt({ ...base, lines: input.lines, contentHash: input.contentHash, actor: input.actor });
  state.status = 'awaiting-count';

  await condition(() => state.status === 'completed');
  await condition(allHandlersFinished);

  const putAway = [...new Set(state.lines.filter((l) => l.putaway.length > 0).map((l) => l.partNo))];
  if (putAway.length) {
    const offered = await act.offerStockToBackorders({
      partNos: putAway, actor: input.actor, receipt: { id: processId, supplierId: input.supplierId, deliveryNoteNo: input.deliveryNoteNo },
    });
    state.backordersReleased = offered.ordersToNotify;
  }
  return view();
}

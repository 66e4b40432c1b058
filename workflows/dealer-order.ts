import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, condition, defineQuery, defineSignal, defineUpdate, patched, proxyActivities,
  proxyLocalActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';

import type { Activities } from '../activities/index.ts';
import type { OrderState } from '../activities/dealer-orders.ts';
import { DB_LOCAL_STEP, DB_STEP } from './activity-options.ts';
import { pickMismatch, receiptMismatch, type PickLine, type ReceiptLine } from './dealer-order-rules.ts';
import { refusal } from './failures.ts';

// DESIGN.md P1: a dealer order from submission to the dealer's receipt of its last shipment.
// Submit → credit check (waits while the dealer is on credit hold) → allocate, backordering what
// is missing → picking list → pick → ship → receipt, with backorders shipped as further
// shipments when an inbound receipt reserves stock for them. Human steps are updates.

/** timer periods; policy, not code */
export interface DealerOrderPolicy {
  /** after a shipment, remind the dealer to confirm receipt */
  receiptReminderDays: number;
  /** after a shipment, take it as received in full */
  receiptAssumedDays: number;
  /** how long a policy day lasts, in milliseconds: a real day unless a replay scales it */
  dayMs?: number;
}
export const DEFAULT_DEALER_ORDER_POLICY: DealerOrderPolicy = { receiptReminderDays: 7, receiptAssumedDays: 30 };

export interface DealerOrderInput {
  dealerId: string;
  orderNo: string;
  lines: { partNo: string; quantity: number }[];
  actor: string;
  policy?: Partial<DealerOrderPolicy>;
}

export interface PickInput { actor: string; pickingListNo: string; lines: PickLine[] }
export interface ShipInput { actor: string; pickingListNo: string; carrier: string; consignmentNo: string }
export interface ReceiptInput { actor: string; shipmentNo: string; lines: ReceiptLine[] }
export interface CancelInput { actor: string; reason: string | null }
export interface ResolveInput { actor: string; shipmentNo: string; resolution: 'credit' | 're-ship' }

/**
 * What a step's update answers: the order's status after it. The caller reads the order itself
 * from the tables (api/routes/dealer-orders.ts); the whole state in every answer would only be
 * stored again in the history.
 */
export interface StepAnswer { status: string }
/** answers once the order has been submitted and credit-checked (and allocated unless on hold) */
export const openedUpdate = defineUpdate<StepAnswer & { first: boolean }, [{ lines: { partNo: string; quantity: number }[] }]>('opened');
export const pickUpdate = defineUpdate<StepAnswer, [PickInput]>('pick');
export const shipUpdate = defineUpdate<StepAnswer & { shipmentNo: string; invoiceNo: string | null }, [ShipInput]>('ship');
export const receiptUpdate = defineUpdate<StepAnswer, [ReceiptInput]>('receipt');
export const cancelUpdate = defineUpdate<StepAnswer, [CancelInput]>('cancel');
export const resolveDiscrepancyUpdate = defineUpdate<StepAnswer, [ResolveInput]>('resolveDiscrepancy');
/** the same name db/credit-hold.ts signals when a hold is lifted */
export const creditHoldLiftedSignal = defineSignal('creditHoldLifted');
/** the same name activities/dealer-orders.ts signals after an inbound receipt reserved stock */
export const backorderAllocatedSignal = defineSignal('backorderAllocated');
export const orderStateQuery = defineQuery<OrderState | null>('orderState');

const FINAL = ['completed', 'cancelled'];
const DAY_MS = 24 * 60 * 60 * 1000;

const remote = proxyActivities<Activities>(DB_STEP);
const local = proxyLocalActivities<Activities>(DB_LOCAL_STEP);

/**
 * Orders started before this patch ran every step as an activity through the server, and
 * submitted, checked credit and allocated in three steps; they replay that way. Newer orders run
 * their short database steps as local activities and open in one step.
 */
export const LOCAL_STEPS_PATCH = 'dealer-order-local-steps';

/** an activity's business refusal becomes the update's own failure, so the API can map it */
async function step<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}

export async function dealerOrderWorkflow(input: DealerOrderInput): Promise<{ status: string }> {
  const orderId = workflowInfo().workflowId;
  const policy = { ...DEFAULT_DEALER_ORDER_POLICY, ...input.policy };
  const localSteps = patched(LOCAL_STEPS_PATCH);
  const act = localSteps ? local : remote;
  let state: OrderState | null = null;
  let version = 0;
  let round = 0;
  let creditLifted = false;
  let backorderSignals = 0;
  const shippedAt = new Map<string, number>();
  const reminded = new Set<string>();

  // one step at a time: an update waits for the step in flight, so its effect builds on the last
  let busy = false;
  async function exclusive<T extends OrderState | { state: OrderState }>(fn: () => Promise<T>): Promise<T> {
    // waiters released together by one activation must still go one at a time: look again after waking
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      const result = await step(fn);
      state = 'lines' in result ? result : result.state;
      version++;
      return result;
    } finally {
      busy = false;
    }
  }
  const current = (): OrderState => {
    if (!state) throw refusal('conflict', 'not-ready', 'the order is still being submitted; try again shortly');
    return state;
  };
  const isOpen = () => state !== null && !FINAL.includes(state.status);
  const answer = (): StepAnswer => ({ status: current().status });

  setHandler(orderStateQuery, () => state);

  // the submission's own answer: update-with-start sends it with the start, so the client that
  // submitted learns of the allocation (or the hold) without asking again. The same order sent
  // again reaches this running workflow; with other lines its number is taken.
  let openedAnswers = 0;
  setHandler(openedUpdate, async (_submitted) => {
    await condition(() => state !== null && !busy);
    return { ...answer(), first: openedAnswers++ === 0 };
  }, {
    validator: ({ lines }: { lines: DealerOrderInput['lines'] }) => {
      const same = lines.length === input.lines.length && lines.every((l, i) => l.partNo === input.lines[i]!.partNo && l.quantity === input.lines[i]!.quantity);
      if (!same) throw refusal('conflict', 'order-number-taken', `order ${input.orderNo} of dealer ${input.dealerId} was submitted with other lines`, { orderNo: input.orderNo });
    },
  });
  setHandler(creditHoldLiftedSignal, () => { creditLifted = true; });
  setHandler(backorderAllocatedSignal, () => { backorderSignals++; });

  // A step sent again after it was taken (a client retrying after an answer it did not get)
  // answers as the first did and takes nothing twice: the same request twice has the effect of
  // one (DESIGN.md §6). With other content, it stays a conflict. A twin still in flight is
  // caught by the activities, which find their step's key. (A repeated receipt is answered by
  // the API from the tables: the receipt of the last shipment ends the workflow.)
  const shipped = new Map<string, { carrier: string; consignmentNo: string; shipmentNo: string; invoiceNo: string | null }>();
  let cancelledOnRequest = false;
  const pickRepeat = (p: PickInput) => {
    const list = state?.pickingLists.find((l) => l.pickingListNo === p.pickingListNo);
    return list !== undefined && (list.status === 'picked' || list.status === 'shipped') && pickMismatch(list.lines, p.lines) === null;
  };
  const shipRepeat = (s: ShipInput) => {
    const done = shipped.get(s.pickingListNo);
    return done && done.carrier === s.carrier && done.consignmentNo === s.consignmentNo ? done : undefined;
  };

  setHandler(pickUpdate, async (p) => {
    if (!pickRepeat(p)) await exclusive(() => act.confirmPick({ orderId, key: `${orderId}:pick:${p.pickingListNo}`, ...p }));
    return answer();
  }, {
    validator: (p) => {
      if (pickRepeat(p)) return;
      const list = current().pickingLists.find((l) => l.pickingListNo === p.pickingListNo);
      if (!list) throw refusal('not-found', 'not-found', `picking list ${p.pickingListNo} is not one of this order's`, { pickingListNo: p.pickingListNo });
      if (list.status !== 'issued') throw refusal('conflict', 'not-pickable', `picking list ${p.pickingListNo} is ${list.status}`, { pickingListNo: p.pickingListNo });
      const mismatch = pickMismatch(list.lines, p.lines);
      if (mismatch) throw refusal('refused', 'pick-mismatch', mismatch.message, { pickingListNo: p.pickingListNo, line: mismatch.line });
    },
  });

  setHandler(shipUpdate, async (s) => {
    const done = shipRepeat(s);
    if (done) return { shipmentNo: done.shipmentNo, invoiceNo: done.invoiceNo, ...answer() };
    const result = await exclusive(() => act.shipPickingList({ orderId, dealerId: input.dealerId, key: `${orderId}:ship:${s.pickingListNo}`, ...s }));
    shippedAt.set(result.shipmentNo, Date.now());
    shipped.set(s.pickingListNo, { carrier: s.carrier, consignmentNo: s.consignmentNo, shipmentNo: result.shipmentNo, invoiceNo: result.invoiceNo });
    // the dealer's account process tracks the invoice from here (DESIGN.md P4); the ship step
    // says when the process must be told (an older step's result says nothing: it always is)
    if (result.invoiceNo && result.wakeAccount !== false) await act.announceInvoice({ dealerId: input.dealerId, invoiceNo: result.invoiceNo });
    return { shipmentNo: result.shipmentNo, invoiceNo: result.invoiceNo, ...answer() };
  }, {
    validator: (s) => {
      if (shipRepeat(s)) return;
      const list = current().pickingLists.find((l) => l.pickingListNo === s.pickingListNo);
      if (!list) throw refusal('not-found', 'not-found', `picking list ${s.pickingListNo} is not one of this order's`, { pickingListNo: s.pickingListNo });
      if (list.status !== 'picked') {
        throw refusal('conflict', 'not-picked', `picking list ${s.pickingListNo} is ${list.status}; only a picked list can ship`, { pickingListNo: s.pickingListNo });
      }
    },
  });

  setHandler(receiptUpdate, async (r) => {
    await exclusive(() => act.recordDealerReceipt({ orderId, key: `${orderId}:receipt:${r.shipmentNo}`, ...r }));
    return answer();
  }, {
    validator: (r) => {
      const shipment = current().shipments.find((s) => s.shipmentNo === r.shipmentNo);
      if (!shipment) throw refusal('not-found', 'not-found', `shipment ${r.shipmentNo} is not one of this order's`, { shipmentNo: r.shipmentNo });
      if (shipment.status !== 'in-transit') throw refusal('conflict', 'already-received', `shipment ${r.shipmentNo} has already been received`, { shipmentNo: r.shipmentNo });
      const mismatch = receiptMismatch(shipment.lines, r.lines);
      if (mismatch) throw refusal('refused', 'receipt-mismatch', mismatch.message, { shipmentNo: r.shipmentNo, line: mismatch.line });
    },
  });

  setHandler(cancelUpdate, async (c) => {
    if (!cancelledOnRequest) {
      await exclusive(() => act.cancelDealerOrder({ orderId, key: `${orderId}:cancel`, ...c }));
      cancelledOnRequest = true;
    }
    return answer();
  }, {
    validator: (_c) => {
      if (cancelledOnRequest) return;
      const s = current();
      if (s.status === 'cancelled') throw refusal('conflict', 'already-cancelled', 'the order is already cancelled');
      const unshipped = s.lines.reduce((t, l) => t + l.ordered - l.cancelled - l.shipped, 0);
      if (unshipped === 0) throw refusal('conflict', 'already-shipped', 'the goods of this order have shipped; it cannot be cancelled, file a return instead');
    },
  });

  setHandler(resolveDiscrepancyUpdate, async (r) => {
    await exclusive(() => act.resolveDiscrepancy({ orderId, dealerId: input.dealerId, key: `${orderId}:resolve:${r.shipmentNo}`, ...r }));
    if (r.resolution === 're-ship') {
      const n = round++;
      await exclusive(() => act.allocateDealerOrder({ orderId, actor: r.actor, key: `${orderId}:allocate:${n}`, round: n }));
    }
    return answer();
  }, {
    validator: (r) => {
      const shipment = current().shipments.find((s) => s.shipmentNo === r.shipmentNo);
      if (!shipment) throw refusal('not-found', 'not-found', `shipment ${r.shipmentNo} is not one of this order's`, { shipmentNo: r.shipmentNo });
      if (shipment.status !== 'discrepancy') throw refusal('conflict', 'no-discrepancy', `shipment ${r.shipmentNo} has no open discrepancy`, { shipmentNo: r.shipmentNo });
    },
  });

  // submit, then the credit check: while on hold, wait for the hold to lift (or a cancellation);
  // then allocate. Newer orders do all three in one step when the dealer is not on hold.
  const submit = { orderId, actor: input.actor, dealerId: input.dealerId, orderNo: input.orderNo, lines: input.lines };
  const opened = localSteps ? await exclusive(() => act.openDealerOrder({ ...submit, key: `${orderId}:open` })) : null;
  if (!opened) await exclusive(() => act.submitDealerOrder({ ...submit, key: `${orderId}:submit` }));
  let onHold = opened?.onHold;
  for (let attempt = opened ? 1 : 0; isOpen() && onHold !== false; attempt++) {
    if (onHold) {
      await condition(() => creditLifted || !isOpen());
      if (!isOpen()) break;
    }
    creditLifted = false;
    const credit = await exclusive(() => act.checkDealerCredit({ orderId, actor: 'system', key: `${orderId}:credit:${attempt}`, dealerId: input.dealerId }));
    onHold = credit.onHold;
  }

  if (opened && !opened.onHold) round = 1;
  else if (isOpen()) {
    const n = round++;
    await exclusive(() => act.allocateDealerOrder({ orderId, actor: 'system', key: `${orderId}:allocate:${n}`, round: n }));
  }

  while (isOpen()) {
    const seen = version;
    const waitMs = nextTimer();
    const wake = () => version !== seen || backorderSignals > 0 || !isOpen();
    if (waitMs === undefined) await condition(wake);
    else await condition(wake, Math.max(waitMs, 1));

    if (backorderSignals > 0 && isOpen()) {
      backorderSignals = 0;
      const n = round++;
      await exclusive(() => act.issueBackorderPickingList({ orderId, actor: 'system', key: `${orderId}:picking-list:${n}`, round: n }));
    }
    await runDueTimers();
  }
  await condition(allHandlersFinished);
  return { status: state!.status };

  /** ms until the next reminder or assumed receipt of a shipment in transit */
  function nextTimer(): number | undefined {
    const due = inTransit().map((s) => dueAt(s.shipmentNo));
    return due.length ? Math.min(...due) - Date.now() : undefined;
  }

  function inTransit() {
    return (state?.shipments ?? []).filter((s) => s.status === 'in-transit' && shippedAt.has(s.shipmentNo));
  }

  function dueAt(shipmentNo: string): number {
    const at = shippedAt.get(shipmentNo)!;
    const day = policy.dayMs ?? DAY_MS;
    return reminded.has(shipmentNo) ? at + policy.receiptAssumedDays * day : at + policy.receiptReminderDays * day;
  }

  async function runDueTimers() {
    for (const s of inTransit()) {
      if (dueAt(s.shipmentNo) > Date.now()) continue;
      if (!reminded.has(s.shipmentNo)) {
        reminded.add(s.shipmentNo);
        await exclusive(() => act.remindDealerReceipt({ orderId, actor: 'system', key: `${orderId}:remind:${s.shipmentNo}`, shipmentNo: s.shipmentNo }));
      } else {
        await exclusive(() => act.recordDealerReceipt({
          orderId, actor: 'system', key: `${orderId}:receipt:${s.shipmentNo}`, shipmentNo: s.shipmentNo, lines: 'all', assumed: true,
        }));
      }
    }
  }
}

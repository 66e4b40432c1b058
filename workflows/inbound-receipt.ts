import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';

import type { Activities } from '../activities/index.ts';
import { DB_STEP } from './activity-options.ts';

// DESIGN.md P5 in its minimal form: a supplier delivery is booked into bins and releases the
// waiting backorders of its parts, oldest first. Counting against the delivery note, quality
// inspection and returns to the supplier are not here yet.
// TODO: inspection and putaway steps (the warehouse operations issue) before the stock is booked.

export interface InboundReceiptInput {
  supplierId: string;
  deliveryNoteNo: string;
  lines: { partNo: string; quantity: number; bin: string }[];
  actor: string;
}

const act = proxyActivities<Activities>(DB_STEP);

export async function inboundReceiptWorkflow(input: InboundReceiptInput): Promise<{ ordersToNotify: string[] }> {
  const receiptId = workflowInfo().workflowId;
  try {
    return await act.receiveInbound({ receiptId, key: `${receiptId}:receive`, ...input });
  } catch (err) {
    // a refused delivery (unknown supplier, part or bin) fails the process with the refusal
    // itself, so the API answers it as such and the corrected delivery note may be sent again
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}

import {
  condition, continueAsNew, defineQuery, defineSignal, log, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';

import type { Activities } from '../activities/index.ts';
import { DB_STEP, OUTBOUND_CALL } from './activity-options.ts';

// P4: a dealer's account. It follows the dealer's open invoices up the arrears ladder on
// Temporal timers: it sleeps until the earliest next rung of an open invoice, then lets an
// activity climb what is due, re-reading in the database what each invoice still owes at that
// moment. Invoices and payments wake it by signal (signal-with-start, so they are never lost).
// The invoices themselves, their levels and what they owe live in the database; the workflow
// carries their next rungs only, and hands them on when it continues as new. It ends when no
// open invoice has a rung left to climb; the next invoice or payment starts it again.

const acts = proxyActivities<Activities>(DB_STEP);
const notifier = proxyActivities<Activities>({ ...OUTBOUND_CALL, retry: { ...OUTBOUND_CALL.retry, maximumAttempts: 5 } });

export const invoiceIssuedSignal = defineSignal<[{ invoiceNo: string }]>('invoiceIssued');
export const paymentReceivedSignal = defineSignal<[{ paymentNo: string }]>('paymentReceived');
/** the dealer's payment policy changed: the next rungs are recomputed */
export const policyChangedSignal = defineSignal<[Record<string, never>?]>('policyChanged');

type AccountState = Awaited<ReturnType<Activities['refreshAccount']>>;
export const accountStateQuery = defineQuery<AccountState | null>('accountState');

export interface DealerAccountInput {
  dealerId: string;
  /** length of a ladder day in seconds; 86400 (dealer-local days) unless a test scales it */
  daySeconds?: number;
  /** continue as new once this run's history is longer than this (Temporal's limit is 51200) */
  maxHistoryEvents?: number;
  /** carried over by continue-as-new */
  state?: AccountState | null;
  newInvoices?: string[];
}

// this prefix marks a hold the ladder set; only such a hold is lifted by the ladder
// (the same text as LADDER_HOLD_REASON in db/arrears.ts)
const HOLD_REASON = 'arrears ladder';

export async function dealerAccountWorkflow(input: DealerAccountInput): Promise<{ openInvoices: number }> {
  const { dealerId } = input;
  const daySeconds = input.daySeconds ?? 86_400;
  const maxHistoryEvents = input.maxHistoryEvents ?? 10_000;
  const me = workflowInfo().workflowId;
  let state: AccountState | null = input.state ?? null;
  const newInvoices: string[] = [...(input.newInvoices ?? [])];
  // every run re-reads the account first: the database is the truth, the carried state a hint
  let dirty = true;

  setHandler(invoiceIssuedSignal, ({ invoiceNo }) => {
    newInvoices.push(invoiceNo);
    dirty = true;
  });
  setHandler(paymentReceivedSignal, () => { dirty = true; });
  setHandler(policyChangedSignal, () => { dirty = true; });
  setHandler(accountStateQuery, () => state);

  async function settleHold(s: AccountState) {
    if (s.holdRequired && !s.onHold) {
      await acts.applyCreditHold({
        dealerId, onHold: true, actor: 'arrears-ladder', key: `${me}:credit-hold-set:${Date.now()}`,
        reason: `${HOLD_REASON}: an invoice reached the credit-hold rung`,
      });
      s.onHold = true;
      s.heldByLadder = true;
    } else if (!s.holdRequired && s.heldByLadder) {
      await acts.applyCreditHold({ dealerId, onHold: false, reason: null, actor: 'arrears-ladder', key: `${me}:credit-hold-lifted:${Date.now()}` });
      s.onHold = false;
      s.heldByLadder = false;
    }
  }

  for (;;) {
    if (dirty) {
      dirty = false;
      state = await acts.refreshAccount({ dealerId, newInvoices: newInvoices.splice(0), at: Date.now(), daySeconds });
      await settleHold(state);
    }

    if (state!.nextWakeMs !== null && state!.nextWakeMs <= Date.now()) {
      const climbed = await acts.climbDueInvoices({ dealerId, at: Date.now(), daySeconds });
      state = climbed.state;
      await settleHold(state);
      if (climbed.rungs > 0) {
        // the outbox keeps what was not delivered (with its attempts and error); a notifier
        // outage must not stop the ladder
        await notifier.deliverNotifications({ dealerId }).catch((err: Error) => log.warn('notifications not delivered', { dealerId, error: err.message }));
      }
      continue;
    }

    if (state!.nextWakeMs === null && !dirty) return { openInvoices: state!.open.length };

    const info = workflowInfo();
    if (info.historyLength > maxHistoryEvents || info.continueAsNewSuggested) {
      await continueAsNew<typeof dealerAccountWorkflow>({ dealerId, daySeconds, maxHistoryEvents, state, newInvoices });
    }

    const nextWake = state!.nextWakeMs;
    if (nextWake === null) await condition(() => dirty);
    else await condition(() => dirty, Math.max(nextWake - Date.now(), 1));
  }
}

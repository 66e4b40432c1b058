import { Context } from '@temporalio/activity';

import { accountStateSaved } from '../db/account-wake.ts';
import { climbInvoice, invoicesToClimb, saveAccountRow, type AccountState } from '../db/arrears.ts';
import { deliverOne, pendingNotifications, type DeliveryOutcome, type Send } from '../db/notifications.ts';
import { applyUnappliedCredit, recordPayment, type PaymentResult } from '../db/payments.ts';
import { getDaySeconds, REAL_DAY_SECONDS } from '../db/settings.ts';
import { previousMonth, produceStatement } from '../db/statements.ts';
import { inTransaction } from '../db/tx.ts';
import { processId } from '../workflows/ids.ts';
import { businessStep, type ActivityDeps } from './support.ts';

/** a payment as it travels in Temporal payloads: minor units as numbers */
export interface PaymentRequest {
  paymentNo: string;
  dealerId: string;
  amountMinor: number;
  currency: string;
  receivedAt: string;
  allocations: { invoiceNo: string; amountMinor: number }[];
  actor: string;
}

// a webhook that does not answer within this long counts as a failed attempt (it is retried);
// the invoice's row lock is held while it is called, so this also bounds how long a payment waits
const WEBHOOK_TIMEOUT_MS = 10_000;

// Activities of dealer receivables: payments, the arrears ladder's steps, the notifier and
// the monthly statements.
export function createReceivablesActivities(deps: ActivityDeps) {
  const accountId = (dealerId: string) => processId('dealer-account', dealerId);

  /** the ladder's day, when the simulation time scale makes it shorter than a real one */
  async function scaledDay(): Promise<{ daySeconds?: number }> {
    const daySeconds = await getDaySeconds(deps.orm.em.fork());
    return daySeconds === REAL_DAY_SECONDS ? {} : { daySeconds };
  }

  async function signalAccount(dealerId: string, signal: string, arg: Record<string, string>) {
    await deps.temporal.workflow.signalWithStart('dealerAccountWorkflow', {
      workflowId: accountId(dealerId), taskQueue: deps.config.taskQueue,
      args: [{ dealerId, ...(await scaledDay()) }], signal, signalArgs: [arg],
    });
  }

  const send: Send | null = deps.config.notifyWebhookUrl ? async (n) => {
    const res = await deps.fetch(deps.config.notifyWebhookUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `notification-${n.id}` },
      body: JSON.stringify(n),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
  } : null;

  return {
    /**
     * Tells the dealer's account process about a new invoice, starting the process when it is
     * not running (signal-with-start). The ship step has already taken the invoice into the
     * account and said whether the process must hear of it (db/account-wake.ts).
     */
    async announceInvoice(a: { dealerId: string; invoiceNo: string }): Promise<void> {
      await signalAccount(a.dealerId, 'invoiceIssued', { invoiceNo: a.invoiceNo });
    },

    /** records a payment (once per payment number), then wakes the account so the ladder re-reads */
    async recordPayment(p: PaymentRequest): Promise<PaymentResult> {
      const result = await businessStep(() => inTransaction(deps.orm, (em) => recordPayment(em, deps.ledger, {
        ...p, amountMinor: BigInt(p.amountMinor), receivedAt: new Date(p.receivedAt), accountProcessId: accountId(p.dealerId),
        allocations: p.allocations.map((a) => ({ invoiceNo: a.invoiceNo, amountMinor: BigInt(a.amountMinor) })),
      })));
      await signalAccount(p.dealerId, 'paymentReceived', { paymentNo: p.paymentNo });
      return result;
    },

    /**
     * Brings the account up to date: new invoices take any unapplied credit, the process row is
     * rewritten, and the open invoices' next rungs are returned for the timers.
     */
    async refreshAccount(r: { dealerId: string; newInvoices: string[]; at: number; daySeconds: number }): Promise<AccountState> {
      return businessStep(async () => {
        const at = new Date(r.at);
        for (const invoiceNo of r.newInvoices) await inTransaction(deps.orm, (em) => applyUnappliedCredit(em, invoiceNo, at));
        return inTransaction(deps.orm, async (em) => {
          await saveAccountRow(em, accountId(r.dealerId), r.dealerId, at);
          return accountStateSaved(em, accountId(r.dealerId), r.dealerId, r.daySeconds);
        });
      });
    },

    /** climbs every open invoice whose next rung is due at `at`, one transaction per invoice */
    async climbDueInvoices(c: { dealerId: string; at: number; daySeconds: number }): Promise<{ rungs: number; state: AccountState }> {
      return businessStep(async () => {
        const at = new Date(c.at);
        const due = await invoicesToClimb(deps.orm.em.fork(), c.dealerId, at, c.daySeconds);
        let rungs = 0;
        for (const invoiceNo of due) {
          const climbed = await inTransaction(deps.orm, (em) => climbInvoice(em, {
            invoiceNo, at, daySeconds: c.daySeconds, processId: accountId(c.dealerId), actor: 'arrears-ladder',
          }));
          rungs += climbed.reached.length;
        }
        return { rungs, state: await inTransaction(deps.orm, (em) => accountStateSaved(em, accountId(c.dealerId), c.dealerId, c.daySeconds)) };
      });
    },

    /**
     * The notifier: delivers the dealer's pending outbox rows to the webhook, re-reading each
     * invoice's outstanding amount under its lock. A failed send is recorded and retried by the
     * activity's retry policy until the row's attempts run out.
     */
    async deliverNotifications(d: { dealerId: string }): Promise<DeliveryOutcome[]> {
      const outcomes: DeliveryOutcome[] = [];
      for (const id of await pendingNotifications(deps.orm.em.fork(), d.dealerId)) {
        outcomes.push(await deliverOne(deps.orm, id, send, deps.now()));
      }
      const failed = outcomes.filter((o) => o.status === 'pending');
      if (failed.length) {
        deps.log.warn({ dealerId: d.dealerId, attempt: Context.current().info.attempt, failed }, 'notification delivery failed');
        throw new Error(`${failed.length} notification(s) could not be delivered: ${failed[0]!.error}`);
      }
      return outcomes;
    },

    /** each dealer's statement for the month before the one `at` falls into (ledger time zone) */
    async produceMonthlyStatements(s: { at: number; month?: string }): Promise<{ month: string; dealers: number }> {
      return businessStep(async () => {
        const month = s.month ?? previousMonth(deps.ledger.businessDate(new Date(s.at)));
        const dealers = await deps.orm.em.fork().execute('select id from dealer order by id');
        for (const d of dealers) {
          await inTransaction(deps.orm, (em) => produceStatement(em, {
            dealerId: String(d.id), month, timeZone: deps.config.ledgerTimeZone, at: deps.now(),
          }));
        }
        return { month, dealers: dealers.length };
      });
    },
  };
}

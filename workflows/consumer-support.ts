import type { Duration } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, condition, defineSignal } from '@temporalio/workflow';

// A refund by a route other than the store balance waits for the payment provider's answer
// (POST /payment-events, routed here as a signal). Without an answer within the policy period
// the refund is escalated to finance, and the process keeps waiting for the answer.

export interface RefundAnswer { eventId: string; refundId: string; status: 'settled' | 'failed' }

export const refundAnsweredSignal = defineSignal<[RefundAnswer]>('refundAnswered');

export class RefundWaits {
  private readonly answers = new Map<string, RefundAnswer>();
  private readonly seenEvents = new Set<string>();

  /** the signal handler: the same provider event twice counts once, the first answer wins */
  receive(a: RefundAnswer) {
    if (this.seenEvents.has(a.eventId)) return;
    this.seenEvents.add(a.eventId);
    if (!this.answers.has(a.refundId)) this.answers.set(a.refundId, a);
  }

  /** waits for the answer to one refund, calling escalate once when the timeout passes first */
  async answerOf(refundId: string, timeout: Duration, escalate: () => Promise<void>): Promise<RefundAnswer> {
    if (!(await condition(() => this.answers.has(refundId), timeout))) {
      await escalate();
      await condition(() => this.answers.has(refundId));
    }
    return this.answers.get(refundId)!;
  }
}

/**
 * An activity refused by a business rule fails the update that called it with the same kind,
 * code and details (so the API answers 409/422 with the activity's words); other errors propagate.
 */
export function rethrowRefusal(err: unknown): never {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
    throw ApplicationFailure.create({ message: err.cause.message, type: err.cause.type ?? undefined, nonRetryable: true, details: err.cause.details ? [...err.cause.details] : [] });
  }
  throw err;
}

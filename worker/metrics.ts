import { ApplicationFailure } from '@temporalio/common';
import { Runtime, type ActivityInterceptorsFactory } from '@temporalio/worker';

// Worker metrics go through the Temporal Runtime's meter, so they are served by the same
// Prometheus endpoint as the SDK's own (WORKER_METRICS_ADDRESS): business refusals by rule and
// activity steps by outcome. With no exporter installed (tests) the meter discards them.

export function businessMetrics(): ActivityInterceptorsFactory {
  const meter = Runtime.instance().metricMeter;
  const refusals = meter.createCounter('spareflow_refusals', '1', 'business rules that refused an activity step, by rule');
  const steps = meter.createCounter('spareflow_activity_steps', '1', 'activity steps by activity and outcome');
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        try {
          const out = await next(input);
          steps.add(1, { activity, outcome: 'completed' });
          return out;
        } catch (err) {
          // a broken business rule is non-retryable and carries our kind (activities/support.ts)
          const failure = err instanceof ApplicationFailure && err.nonRetryable ? err : null;
          const kind = (failure?.details?.[0] as { kind?: string } | undefined)?.kind;
          if (failure && kind) refusals.add(1, { rule: failure.type ?? 'unknown', kind, activity });
          steps.add(1, { activity, outcome: kind ? 'refused' : 'failed' });
          throw err;
        }
      },
    },
  });
}

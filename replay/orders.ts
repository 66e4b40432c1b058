import { createHash } from 'node:crypto';

import { formatMinor, parseDecimal } from '../db/money.ts';
import { ReplayStepError, type ApiClient } from './client.ts';
import { FATE, type DataCoPlan, type Order } from './dataco.ts';
import type { Progress } from './progress.ts';
import type { SimClock } from './sim-clock.ts';

// Drives the DataCo orders through the API as the dealer, the warehouse, the dispatcher, the
// carrier and the dealer's bank would: submit, pick by the picking list, ship on the shipping
// date, confirm receipt after the real shipping days, pay what the source says was paid.

export interface OrderOutcome {
  order: Order;
  id: string;
  fate: (typeof FATE)[keyof typeof FATE];
  finalStatus: string;
  invoicedMinor: bigint;
  paidMinor: bigint;
  shipments: number;
  /** shipments whose receipt the service assumed before the replay confirmed it */
  receiptsAssumed: number;
  /** the order existed before this run looked at it */
  resumed?: boolean;
  error?: string;
}

interface View {
  status: string;
  lines: { partNo: string; ordered: number; backordered: number; shipped: number }[];
  pickingLists: { pickingListNo: string; status: string; lines: { bin: string; partNo: string; quantity: number }[] }[];
  shipments: { shipmentNo: string; pickingListNo: string; status: string; receivedAt: string | null; receiptAssumed: boolean; invoiceNo: string; amount: { amount: string; currency: string }; lines: { partNo: string; shipped: number }[] }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const minorOf = (amount: string) => parseDecimal(amount);
const path = (id: string) => `/dealer-orders/${encodeURIComponent(id)}`;

export async function seedDataCo(api: ApiClient, plan: DataCoPlan, progress: Progress, concurrency: number) {
  const jobs: (() => Promise<unknown>)[] = [];
  for (const m of plan.models.values()) {
    jobs.push(() => api.expect('PUT', `/vehicle-models/${m.code}`, { name: m.name, lifecycle: m.lifecycle, discontinuedOn: m.discontinuedOn }, [200]));
  }
  jobs.push(() => api.expect('PUT', '/vehicle-models/DC-M-UNSOLD', { name: 'model with no orders', lifecycle: 'in-production' }, [200]));
  for (const s of plan.suppliers) jobs.push(() => api.expect('PUT', `/suppliers/${s}`, { name: `DataCo department supplier ${s}` }, [200]));
  for (const [bin, zone] of plan.bins) jobs.push(() => api.expect('PUT', `/warehouses/NEW/bins/${bin}`, { zone }, [200]));
  for (const d of plan.dealers.values()) {
    jobs.push(() => api.expect('PUT', `/dealers/${d.id}`, { name: `DataCo customer ${d.id.slice(4)}`, timeZone: d.timeZone, currency: 'USD', termsDays: 30 }, [200]));
  }
  await pool(jobs, concurrency);

  const partJobs: (() => Promise<unknown>)[] = [];
  for (const p of plan.parts.values()) {
    partJobs.push(async () => {
      await api.expect('PUT', `/parts/${p.partNo}`, { name: p.name, category: p.category, fits: [p.model] }, [200]);
      await api.expect('PUT', `/parts/${p.partNo}/prices/USD`, { unitPrice: formatMinor(p.priceMinor) }, [200]);
    });
  }
  partJobs.push(() => api.expect('PUT', '/parts/DC-P-UNSOLD', { name: 'part nobody ordered', category: 'ordinary', fits: ['DC-M-UNSOLD'] }, [200]));
  await pool(partJobs, concurrency);

  // opening stock arrives as one delivery per supplier, dated before the first order
  const bySupplier = new Map<string, { partNo: string; quantity: number; bin: string }[]>();
  for (const [key, quantity] of plan.openingStock) {
    if (quantity <= 0) continue;
    const [bin, partNo] = key.split('|') as [string, string];
    const supplier = plan.parts.get(partNo)!.supplierId;
    bySupplier.set(supplier, [...(bySupplier.get(supplier) ?? []), { partNo, quantity, bin }]);
  }
  for (const [supplierId, lines] of bySupplier) {
    for (let i = 0; i < lines.length; i += 200) {
      await receive(api, supplierId, `OPENING-${i / 200 + 1}`, lines.slice(i, i + 200));
    }
  }
  progress.note(`seeded ${plan.dealers.size} dealers, ${plan.parts.size} parts, ${plan.bins.size} bins, opening stock in ${bySupplier.size} deliveries`);
}

/**
 * A supplier delivery as the warehouse books it: registered, counted, inspected (everything
 * accepted) and put away to the part's bin. Each step is skipped when a run before took it.
 */
export async function receive(api: ApiClient, supplierId: string, deliveryNoteNo: string, lines: { partNo: string; quantity: number; bin: string }[]): Promise<string[]> {
  const res = await api.expect('POST', '/inbound-receipts', { supplierId, deliveryNoteNo, lines: lines.map(({ partNo, quantity }) => ({ partNo, quantity })) }, [200, 201]);
  const p = `/inbound-receipts/${encodeURIComponent(res.body.id as string)}`;
  const status = () => api.expect('GET', p, undefined, [200]).then((r) => String(r.body.status));
  const numbered = lines.map((l, i) => ({ ...l, lineNo: i + 1 }));
  if ((await status()) === 'awaiting-count') await api.expect('POST', `${p}/count`, { lines: numbered.map((l) => ({ lineNo: l.lineNo, counted: l.quantity })) }, [200]);
  if ((await status()) === 'awaiting-inspection') await api.expect('POST', `${p}/inspection`, { lines: numbered.map((l) => ({ lineNo: l.lineNo, accepted: l.quantity, rejected: 0 })) }, [200]);
  if ((await status()) === 'awaiting-putaway') await api.expect('POST', `${p}/putaway`, { lines: numbered.map((l) => ({ lineNo: l.lineNo, bin: l.bin, quantity: l.quantity })) }, [200]);
  // after the putaway the receipt offers its stock to the waiting backorders and records the
  // orders it released; those then issue a picking list
  for (let i = 0; i < 300; i++) {
    const released = (await api.expect('GET', p, undefined, [200])).body.summary?.backordersReleased;
    if (Array.isArray(released)) return released.map(String);
    await sleep(Math.min(2000, 100 * (i + 1)));
  }
  throw new Error(`inbound receipt ${res.body.id}: the put-away stock was not offered to the backorders within 10 minutes`);
}

const conflict = (step: string, id: string, body: unknown) =>
  new ReplayStepError(`POST ${path(id)}/${step} answered 409: ${JSON.stringify(body).slice(0, 300)}`, 409);

export async function pool(jobs: (() => Promise<unknown>)[], concurrency: number) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, async () => {
    for (let i = next++; i < jobs.length; i = next++) await jobs[i]!();
  }));
}

export class OrderDriver {
  readonly waitingForStock = new Map<string, Order>();
  readonly outcomes = new Map<string, OrderOutcome>();
  private readonly backorderDemand = new Map<string, number>();

  /** the waiting orders each receipt went on with, still being worked */
  private readonly pending: Promise<unknown>[] = [];

  constructor(private readonly api: ApiClient, private readonly plan: DataCoPlan, private readonly clock: SimClock, private readonly progress: Progress,
    private readonly concurrency = 16) {}

  /** waits until the orders every receipt so far went on with have been worked */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }

  async view(id: string): Promise<View> {
    return (await this.api.expect('GET', path(id), undefined, [200])).body as View;
  }

  /**
   * waits until the workflow has allocated (the order left `submitted`); the order is not there
   * to read until the workflow's first step has saved it, which under load takes seconds, so the
   * polls back off from 200 ms to 1 s rather than hammer the API with 404s
   */
  private async settled(id: string): Promise<View> {
    const until = Date.now() + 600_000;
    for (let i = 0; Date.now() < until; i++) {
      await sleep(Math.min(1000, 200 * (i + 1)));
      const v = await this.view(id).catch(() => null);
      if (v && !['submitted', 'allocating', 'checking-credit'].includes(v.status)) return v;
    }
    throw new Error(`order ${id} did not get past allocation within 10 minutes`);
  }

  async drive(order: Order): Promise<void> {
    const fate = FATE[order.status];
    const outcome: OrderOutcome = { order, id: '', fate, finalStatus: 'not-started', invoicedMinor: 0n, paidMinor: 0n, shipments: 0, receiptsAssumed: 0 };
    this.outcomes.set(order.orderNo, outcome);
    try {
      // an order a run before started (a second run, or a run after a crash) goes on at once
      // with its remaining (idempotent) steps: its source dates went by in that run
      const id = `dealer-order:${order.dealerId}:${order.orderNo}`;
      const before = await this.api.call('GET', path(id));
      outcome.resumed = before.status === 200;
      if (!outcome.resumed) {
        await this.clock.until(order.orderedAt);
        const res = await this.api.expect('POST', '/dealer-orders', {
          dealerId: order.dealerId, orderNo: order.orderNo, lines: order.lines.map((l) => ({ partNo: l.partNo, quantity: l.quantity })),
        }, [200, 201]);
        outcome.id = res.body.id as string;
      } else {
        outcome.id = id;
      }
      this.progress.started++;
      let view = outcome.resumed && !['submitted', 'allocating', 'checking-credit'].includes(String(before.body.status)) ? before.body as View : await this.settled(outcome.id);
      if (fate === 'cancel') {
        if (view.status !== 'cancelled') {
          const res = await this.api.expect('POST', `${path(outcome.id)}/cancel`, { reason: `source status ${order.status}` }, [200, 409]);
          view = await this.view(outcome.id);
          // a 409 after a retry: the first try went through after all
          if (res.status === 409 && view.status !== 'cancelled') throw conflict('cancel', outcome.id, res.body);
        }
        view = await this.view(outcome.id);
      } else {
        view = await this.work(order, outcome, view);
        if (view.status !== 'completed') {
          // backordered, or waiting for something else (a credit hold): looked at again after each receipt
          for (const l of view.lines) if (l.backordered > 0) this.backorderDemand.set(l.partNo, (this.backorderDemand.get(l.partNo) ?? 0) + l.backordered);
          this.waitingForStock.set(order.orderNo, order);
        }
      }
      outcome.finalStatus = view.status;
      if (['completed', 'cancelled'].includes(view.status)) this.progress.finished++;
    } catch (err) {
      outcome.error = (err as Error).message;
      outcome.finalStatus = 'error';
      this.progress.failed++;
      this.progress.note(`order ${order.orderNo}: ${outcome.error}`);
    }
  }

  /**
   * Picks, ships and receives every picking list that is ready, then pays what is due. Each
   * step looks at the order first, so a second run (or a run after a crash) only does what is
   * left, and the payments are idempotent on their numbers.
   */
  private async work(order: Order, outcome: OrderOutcome, start: View): Promise<View> {
    let view = start;
    for (let round = 0; round < 20; round++) {
      const shippedLists = new Set(view.shipments.map((s) => s.pickingListNo));
      const toPick = view.pickingLists.filter((p) => p.status === 'issued');
      const toShip = view.pickingLists.filter((p) => (p.status === 'picked' || toPick.includes(p)) && !shippedLists.has(p.pickingListNo));
      const toReceive = view.shipments.filter((x) => x.status === 'in-transit');
      if (toShip.length === 0 && toReceive.length === 0) break;
      // a step answered 409 is taken when the order shows it done: a try that timed out (the
      // API answers 500 when Temporal's update deadline passes) went through, and the retry met
      // its effect
      const listStatus = async (no: string) => (await this.view(outcome.id)).pickingLists.find((p) => p.pickingListNo === no)?.status;
      for (const list of toShip) {
        if (toPick.includes(list)) {
          const res = await this.api.expect('POST', `${path(outcome.id)}/picks`, { pickingListNo: list.pickingListNo, lines: list.lines }, [200, 409]);
          if (res.status === 409 && !['picked', 'shipped'].includes(String(await listStatus(list.pickingListNo)))) throw conflict('picks', outcome.id, res.body);
        }
        if (!outcome.resumed) await this.clock.until(order.shippedAt);
        const res = await this.api.expect('POST', `${path(outcome.id)}/shipments`, {
          pickingListNo: list.pickingListNo, carrier: order.carrier, consignmentNo: `${order.orderNo}-${list.pickingListNo}`,
        }, [200, 201, 409]);
        if (res.status === 409 && (await listStatus(list.pickingListNo)) !== 'shipped') throw conflict('shipments', outcome.id, res.body);
      }
      view = await this.view(outcome.id);
      for (const s of view.shipments.filter((x) => x.status === 'in-transit')) {
        if (!outcome.resumed) await this.clock.until(new Date(order.shippedAt.getTime() + order.realShippingDays * 86_400_000));
        const res = await this.api.expect('POST', `${path(outcome.id)}/receipt`, {
          shipmentNo: s.shipmentNo, lines: s.lines.map((l) => ({ partNo: l.partNo, received: l.shipped, damaged: 0 })),
        }, [200, 409]);
        if (res.status === 409) {
          // the order's timer assumed the receipt first: the replay came later than the
          // dealer's deadline (the service was behind the clock). Anything else is an error.
          const now = (await this.view(outcome.id)).shipments.find((x) => x.shipmentNo === s.shipmentNo);
          if (!now || now.status === 'in-transit') throw conflict('receipt', outcome.id, res.body);
          // (or a retry of this receipt, whose first try went through, met the order completed)
        }
      }
      view = await this.view(outcome.id);
    }
    outcome.invoicedMinor = 0n;
    outcome.paidMinor = 0n;
    outcome.shipments = view.shipments.length;
    outcome.receiptsAssumed = view.shipments.filter((x) => x.receiptAssumed).length;
    // a payment is idempotent on its number, but each one asked runs a payment process: an
    // invoice already paid in full is not paid again
    const paid = new Set<string>();
    if (outcome.fate === 'ship-and-pay' && view.shipments.length > 0) {
      const invoices = (await this.api.expect('GET', `/dealers/${encodeURIComponent(order.dealerId)}/invoices?status=paid`, undefined, [200])).body.items as { invoiceNo: string }[];
      for (const i of invoices) paid.add(i.invoiceNo);
    }
    for (const s of view.shipments) {
      const amount = minorOf(s.amount.amount);
      outcome.invoicedMinor += amount;
      if (outcome.fate === 'ship-and-pay' && s.status !== 'in-transit') {
        outcome.paidMinor += amount;
        if (paid.has(s.invoiceNo)) continue;
        await this.api.expect('POST', `/dealers/${order.dealerId}/payments`, {
          paymentNo: `PAY-${s.shipmentNo}`, amount: s.amount.amount, currency: s.amount.currency, receivedAt: s.receivedAt ?? new Date().toISOString(),
        }, [200, 201]);
      }
    }
    return view;
  }

  /**
   * an inbound receipt for everything backordered so far, then the waiting orders go on, in the
   * background (see drain): the next week's receipt does not wait for them
   */
  async receiveBackorders(label: string): Promise<void> {
    // the demand and the orders it belongs to are taken together: orders that run short while
    // this receipt is booked wait for the next one
    const lines = [...this.backorderDemand].filter(([, q]) => q > 0)
      .map(([partNo, quantity]) => ({ partNo, quantity, bin: this.plan.parts.get(partNo)!.bin }));
    this.backorderDemand.clear();
    const waiting = [...this.waitingForStock.values()];
    this.waitingForStock.clear();
    if (lines.length === 0 && waiting.length === 0) return;
    const released = new Set<string>();
    if (lines.length > 0) {
      const bySupplier = new Map<string, typeof lines>();
      for (const l of lines) {
        const s = this.plan.parts.get(l.partNo)!.supplierId;
        bySupplier.set(s, [...(bySupplier.get(s) ?? []), l]);
      }
      for (const [supplierId, ls] of bySupplier) {
        // named after its content: a rerun after a crash that asks for the same books nothing twice,
        // and one that asks for something else cannot collide with a note already registered
        const digest = createHash('sha256').update(JSON.stringify(ls.map((l) => [l.partNo, l.quantity]))).digest('hex').slice(0, 10);
        for (const id of await receive(this.api, supplierId, `BACKORDER-${label}-${digest}`, ls)) released.add(id);
      }
    }
    this.pending.push(pool(waiting.map((order) => async () => {
      const outcome = this.outcomes.get(order.orderNo)!;
      try {
        let view = await this.view(outcome.id);
        // an order this receipt released issues its picking list in a moment; the others
        // (their stock went to older backorders) wait for the next receipt; a worker restarting may
        // take a while, so a released order is given up to about five minutes
        for (let i = 0; i < 300 && released.has(outcome.id) && !view.pickingLists.some((p) => p.status === 'issued') && view.status !== 'completed'; i++) {
          await sleep(Math.min(1000, 100 * (i + 1)));
          view = await this.view(outcome.id);
        }
        view = await this.work(order, outcome, view);
        if (view.status !== 'completed') {
          for (const l of view.lines) if (l.backordered > 0) this.backorderDemand.set(l.partNo, (this.backorderDemand.get(l.partNo) ?? 0) + l.backordered);
          this.waitingForStock.set(order.orderNo, order);
        }
        outcome.finalStatus = view.status;
        if (view.status === 'completed') this.progress.finished++;
      } catch (err) {
        outcome.error = (err as Error).message;
        this.progress.note(`order ${order.orderNo} (after backorder receipt ${label}): ${outcome.error}`);
      }
    }), this.concurrency));
  }
}

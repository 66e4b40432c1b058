import * as orders from '../db/dealer-orders.ts';
import { Ledger } from '../db/ledger.ts';
import * as master from '../db/master.ts';
import type { Orm } from '../db/orm.ts';
import { inTransaction } from '../db/tx.ts';
import { processId } from '../workflows/ids.ts';
import { StepError, type Timings } from './drive.ts';
import { BINS, DEALERS, orderLines, PARTS, PRICES, SUPPLIER, WAREHOUSE } from './http-orders.ts';

// The floor: the transactions a dealer order commits in spareflow (the bodies of its activities
// in db/dealer-orders.ts: the process row and timeline, reservations, the stock moves, the
// invoice journal), issued one after the other straight to PostgreSQL by this process. No
// Temporal, no HTTP, no reads for the clients: what is left is the database's own cost.

export async function seedDirect(orm: Orm, ledger: Ledger, unitsPerPart: number) {
  await inTransaction(orm, async (em) => {
    for (const id of DEALERS) await master.upsertDealer(em, { id, name: `bench dealer ${id}`, timeZone: 'Asia/Shanghai', currency: 'CNY', termsDays: 30 }, 'bench');
    for (const [i, partNo] of PARTS.entries()) {
      await master.upsertPart(em, { partNo, name: `bench part ${i + 1}`, category: 'ordinary', fits: [] }, 'bench');
      await orders.setPartPrice(em, { partNo, currency: 'CNY', unitPriceMinor: BigInt(PRICES[i]!.replace('.', '')), actor: 'bench' });
    }
    for (const bin of BINS) await master.upsertBin(em, { warehouse: WAREHOUSE, bin }, 'bench');
    await master.upsertSupplier(em, { id: SUPPLIER, name: 'bench supplier' }, 'bench');
    await ledger.moveStock(em, {
      key: `bench-seed-${Date.now()}`, step: 'seed', actor: 'bench', reason: 'inbound-receipt', documentRef: `inbound:${SUPPLIER}:seed`,
      moves: PARTS.map((partNo, i) => ({ partNo, from: '@supplier', to: `${WAREHOUSE}/${BINS[i]}`, quantity: unitsPerPart })),
    });
  });
}

/** the steps of the dealer-order workflow's happy path, with the same keys its activities use */
export function floorOrder(orm: Orm, ledger: Ledger, tag: string) {
  return async (i: number, t: Timings) => {
    const dealerId = DEALERS[i % DEALERS.length]!;
    const orderNo = `PO-${tag}-${i}`;
    const orderId = processId('dealer-order', dealerId, orderNo);
    const tx = <T>(step: string, fn: Parameters<typeof inTransaction<T>>[1]) => t.time(step, () => inTransaction(orm, fn));

    await tx('submit', (em) => orders.submitOrder(em, { orderId, actor: 'bench', key: `${orderId}:submit`, dealerId, orderNo, lines: orderLines() }));
    await tx('credit check', (em) => orders.checkCredit(em, { orderId, actor: 'system', key: `${orderId}:credit:0`, dealerId }));
    const allocated = await tx('allocate', (em) => orders.allocateOrder(em, ledger, { orderId, actor: 'system', key: `${orderId}:allocate:0`, round: 0 }));
    const list = allocated.pickingLists.find((p) => p.status === 'issued');
    if (!list) throw new StepError('allocate', `no picking list for ${orderId}`);

    await tx('pick', (em) => orders.confirmPick(em, { orderId, actor: 'bench', key: `${orderId}:pick:${list.pickingListNo}`, pickingListNo: list.pickingListNo, lines: list.lines }));
    const shipped = await tx('ship', (em) => orders.shipPickingList(em, ledger, {
      orderId, actor: 'bench', key: `${orderId}:ship:${list.pickingListNo}`, dealerId, pickingListNo: list.pickingListNo, carrier: 'SF Express', consignmentNo: `SF-${tag}-${i}`,
    }));
    const received = await tx('receipt', (em) => orders.recordReceipt(em, ledger, {
      orderId, actor: 'bench', key: `${orderId}:receipt:${shipped.shipmentNo}`, shipmentNo: shipped.shipmentNo,
      lines: orderLines().map((l) => ({ partNo: l.partNo, received: l.quantity, damaged: 0 })),
    }));
    if (received.status !== 'completed') throw new StepError('receipt', `order is ${received.status}, not completed`);
  };
}

import type { ExecutionContext } from 'ava';

import { checkLedger } from '../../db/ledger-check.ts';
import type { Ledger } from '../../db/ledger.ts';
import * as master from '../../db/master.ts';
import type { Orm } from '../../db/orm.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Api } from './stack.ts';
import { uid } from './stack.ts';

// Small builders for master data and stock. Each returns the id it made; pass only the fields
// a test is about.

export async function seedVehicleModel(orm: Orm, o: Partial<master.VehicleModelInput> = {}) {
  const code = o.code ?? uid('VM-');
  await inTransaction(orm, (em) => master.upsertVehicleModel(em, { code, name: `model ${code}`, lifecycle: 'in-production', ...o }, 'test'));
  return code;
}

export async function seedPart(orm: Orm, o: Partial<master.PartInput> = {}) {
  const partNo = o.partNo ?? uid('P-');
  await inTransaction(orm, (em) => master.upsertPart(em, { partNo, name: `part ${partNo}`, category: 'ordinary', fits: [], ...o }, 'test'));
  return partNo;
}

export async function seedSupplier(orm: Orm, o: Partial<master.SupplierInput> = {}) {
  const id = o.id ?? uid('S-');
  await inTransaction(orm, (em) => master.upsertSupplier(em, { id, name: `supplier ${id}`, ...o }, 'test'));
  return id;
}

export async function seedDealer(orm: Orm, o: Partial<master.DealerInput> = {}) {
  const id = o.id ?? uid('D-');
  await inTransaction(orm, (em) => master.upsertDealer(em, { id, name: `dealer ${id}`, timeZone: 'Asia/Shanghai', ...o }, 'test'));
  return id;
}

/** a bin; returns its location code, e.g. `NEW/B-1a2b` */
export async function seedBin(orm: Orm, o: Partial<master.BinInput> = {}) {
  const b = { warehouse: 'NEW', bin: uid('B-'), ...o };
  await inTransaction(orm, (em) => master.upsertBin(em, b, 'test'));
  return `${b.warehouse}/${b.bin}`;
}

/** puts quantity of a part into a location, as a receipt from the supplier */
export async function seedStock(orm: Orm, ledger: Ledger, s: { partNo: string; location: string; quantity: number }) {
  return inTransaction(orm, (em) => ledger.moveStock(em, {
    key: uid('seed-'), step: 'seed', actor: 'test', reason: 'opening-stock', documentRef: 'test-seed',
    moves: [{ partNo: s.partNo, from: '@supplier', to: s.location, quantity: s.quantity }],
  }));
}

/** an API key of a role (and dealer), issued through the API by the admin */
export async function keyFor(api: Api, role: string, dealerId?: string): Promise<string> {
  const res = await api.call('POST', '/api-keys', { body: { role, label: `test ${role}`, ...(dealerId ? { dealerId } : {}) } });
  if (res.status !== 201) throw new Error(`could not issue a ${role} key: ${JSON.stringify(res.body)}`);
  return res.body.key as string;
}

export async function stockOf(orm: Orm, partNo: string, location: string) {
  const [row] = await orm.em.fork().execute('select on_hand, reserved from stock_balance where part_no = ? and location = ?', [partNo, location]);
  return { onHand: Number(row?.on_hand ?? 0), reserved: Number(row?.reserved ?? 0) };
}

export async function balanceOf(orm: Orm, account: string, currency = 'CNY'): Promise<bigint> {
  const [row] = await orm.em.fork().execute('select balance from account_balance where account_code = ? and currency = ?', [account, currency]);
  return BigInt(String(row?.balance ?? 0));
}

/** asserts that every ledger invariant holds, the same checks as `npm run ledger:check` */
export async function assertLedgerClean(t: ExecutionContext, orm: Orm) {
  t.deepEqual(await checkLedger(orm.em.fork()), [], 'ledger:check finds no problem');
}

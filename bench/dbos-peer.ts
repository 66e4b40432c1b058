import { DBOS } from '@dbos-inc/dbos-sdk';
import express, { type Request, type Response } from 'express';

import { dealerOrderView } from '../api/routes/dealer-orders.ts';
import * as orders from '../db/dealer-orders.ts';
import { isDomainError } from '../db/errors.ts';
import { Ledger } from '../db/ledger.ts';
import { openOrm } from '../db/orm.ts';
import { inTransaction } from '../db/tx.ts';
import { processId } from '../workflows/ids.ts';

// The benchmark's peer: the dealer order's happy path as a DBOS durable workflow over the same
// PostgreSQL, its steps the same transactions as spareflow's activities (db/dealer-orders.ts),
// its human steps messages the workflow waits for (recv) and answers with an event. Behind an
// Express app with the routes the benchmark's client calls. A benchmark peer, not a product:
// it checks no API key and validates no request beyond what the transactions check.
//
// Env: DATABASE_URL (the order tables), DBOS_SYSTEM_DATABASE_URL, PORT.

const orm = await openOrm(process.env.DATABASE_URL!, 20);
const ledger = new Ledger({ timeZone: 'Asia/Shanghai' });
const tx = <T>(fn: Parameters<typeof inTransaction<T>>[1]) => inTransaction(orm, fn);
const STEP = { retriesAllowed: true, maxAttempts: 10, intervalSeconds: 0.2 };
const HUMAN_STEP_WAIT_S = 600;

interface OrderInput { dealerId: string; orderNo: string; lines: orders.OrderLineInput[] }
type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

/** a refused step answers the human step that asked for it, and ends nothing else */
async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    const status = { invalid: 400, forbidden: 403, 'not-found': 404, conflict: 409, refused: 422 }[err.kind];
    return { ok: false, status, code: err.code, message: err.message };
  }
}

async function dealerOrder(input: OrderInput): Promise<string> {
  const orderId = DBOS.workflowID!;
  const actor = 'peer';
  await DBOS.runStep(() => tx((em) => orders.submitOrder(em, { orderId, actor, key: `${orderId}:submit`, ...input })), { name: 'submit', ...STEP });
  await DBOS.runStep(() => tx((em) => orders.checkCredit(em, { orderId, actor: 'system', key: `${orderId}:credit:0`, dealerId: input.dealerId })), { name: 'credit', ...STEP });
  let state = await DBOS.runStep(() => tx((em) => orders.allocateOrder(em, ledger, { orderId, actor: 'system', key: `${orderId}:allocate:0`, round: 0 })), { name: 'allocate', ...STEP });
  // the submission's answer, as spareflow gives it: once the order is allocated
  await DBOS.setEvent('opened', true);

  while (!orders.FINAL_STATUSES.includes(state.status)) {
    const msg = await DBOS.recv<{ step: string; body: Record<string, unknown> }>('step', HUMAN_STEP_WAIT_S);
    if (!msg) return 'abandoned';
    const b = msg.body as never as { pickingListNo: string; lines: never; carrier: string; consignmentNo: string; shipmentNo: string };
    const outcome = await DBOS.runStep(() => attempt(async () => {
      if (msg.step === 'pick') return tx((em) => orders.confirmPick(em, { orderId, actor, key: `${orderId}:pick:${b.pickingListNo}`, pickingListNo: b.pickingListNo, lines: b.lines }));
      if (msg.step === 'ship') {
        return tx((em) => orders.shipPickingList(em, ledger, {
          orderId, actor, key: `${orderId}:ship:${b.pickingListNo}`, dealerId: input.dealerId, pickingListNo: b.pickingListNo, carrier: b.carrier, consignmentNo: b.consignmentNo,
        }));
      }
      return tx((em) => orders.recordReceipt(em, ledger, { orderId, actor, key: `${orderId}:receipt:${b.shipmentNo}`, shipmentNo: b.shipmentNo, lines: b.lines }));
    }), { name: msg.step, ...STEP });
    if (outcome.ok) state = 'lines' in outcome.value ? outcome.value : outcome.value.state;
    await DBOS.setEvent(msg.step, outcome);
  }
  return state.status;
}
const dealerOrderWorkflow = DBOS.registerWorkflow(dealerOrder, { name: 'dealerOrderWorkflow' });

DBOS.setConfig({ name: 'spareflow-bench-peer', systemDatabaseUrl: process.env.DBOS_SYSTEM_DATABASE_URL!, logLevel: 'warn' });
await DBOS.launch();

const app = express();
app.use(express.json());
const handle = (fn: (req: Request) => Promise<{ status: number; body: unknown }>) => async (req: Request, res: Response) => {
  try {
    const out = await fn(req);
    res.status(out.status).json(out.body);
  } catch (err) {
    if (isDomainError(err)) res.status(422).json({ error: { code: err.code, message: err.message } });
    else res.status(500).json({ error: { code: 'internal', message: String((err as Error).message).slice(0, 200) } });
  }
};
const view = async (id: string) => {
  const v = await dealerOrderView(orm.em.fork(), id);
  return v ? { status: 200, body: v } : { status: 404, body: { error: { code: 'not-found' } } };
};

/** sends a human step to the order's workflow and waits for its outcome */
async function humanStep(id: string, step: string, body: Record<string, unknown>, ok: number, answer: (value: never) => Promise<unknown>) {
  // the document the step acts on names it, so a client's retry is one message
  await DBOS.send(id, { step, body }, 'step', `${id}:${step}:${String(body.pickingListNo ?? body.shipmentNo)}`);
  const outcome = await DBOS.getEvent<Outcome<never>>(id, step, 60);
  if (!outcome) return { status: 504, body: { error: { code: 'timeout', message: `no answer to ${step}` } } };
  if (!outcome.ok) return { status: outcome.status, body: { error: { code: outcome.code, message: outcome.message } } };
  return { status: ok, body: await answer(outcome.value) };
}

app.post('/dealer-orders', handle(async (req) => {
  const { dealerId, orderNo, lines } = req.body as OrderInput;
  await orders.priceOrderLines(orm.em.fork(), dealerId, lines);
  const id = processId('dealer-order', dealerId, orderNo);
  await DBOS.startWorkflow(dealerOrderWorkflow, { workflowID: id })({ dealerId, orderNo, lines });
  if (!(await DBOS.getEvent<boolean>(id, 'opened', 60))) return { status: 504, body: { error: { code: 'timeout', message: 'the order did not open' } } };
  return view(id).then((v) => ({ ...v, status: 201 }));
}));
app.get('/dealer-orders/:id', handle((req) => view(String(req.params.id))));
app.post('/dealer-orders/:id/picks', handle((req) =>
  humanStep(String(req.params.id), 'pick', req.body, 200, async () => (await view(String(req.params.id))).body)));
app.post('/dealer-orders/:id/shipments', handle((req) =>
  humanStep(String(req.params.id), 'ship', req.body, 201, async (v: { shipmentNo: string; invoiceNo: string | null }) =>
    ({ shipmentNo: v.shipmentNo, invoiceNo: v.invoiceNo, order: (await view(String(req.params.id))).body }))));
app.post('/dealer-orders/:id/receipt', handle((req) =>
  humanStep(String(req.params.id), 'receipt', req.body, 200, async () => (await view(String(req.params.id))).body)));

const server = app.listen(Number(process.env.PORT), '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void DBOS.shutdown().then(() => orm.close()).then(() => process.exit(0));
  });
}

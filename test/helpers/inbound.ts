import type { Api } from './stack.ts';
import { uid } from './stack.ts';

/**
 * A supplier delivery taken through every step of inbound receiving with nothing wrong: counted
 * as noted, all accepted, each line put away to its bin. Returns the receipt as the putaway
 * step answers it.
 */
export async function receiveDelivery(api: Api, key: string, d: { supplierId: string; deliveryNoteNo?: string; lines: { partNo: string; quantity: number; bin: string }[] }) {
  const registered = await api.call('POST', '/inbound-receipts', {
    key, body: { supplierId: d.supplierId, deliveryNoteNo: d.deliveryNoteNo ?? uid('DN-'), lines: d.lines.map((l) => ({ partNo: l.partNo, quantity: l.quantity })) },
  });
  if (registered.status !== 201) throw new Error(`delivery not registered: ${JSON.stringify(registered.body)}`);
  const path = `/inbound-receipts/${encodeURIComponent(registered.body.id)}`;
  const lineNos = d.lines.map((l, i) => ({ ...l, lineNo: i + 1 }));
  for (const [step, body] of [
    ['count', { lines: lineNos.map((l) => ({ lineNo: l.lineNo, counted: l.quantity })) }],
    ['inspection', { lines: lineNos.map((l) => ({ lineNo: l.lineNo, accepted: l.quantity, rejected: 0 })) }],
    ['putaway', { lines: lineNos.map((l) => ({ lineNo: l.lineNo, bin: l.bin, quantity: l.quantity })) }],
  ] as const) {
    const res = await api.call('POST', `${path}/${step}`, { key, body });
    if (res.status !== 200) throw new Error(`${step} refused: ${JSON.stringify(res.body)}`);
    if (step === 'putaway') return res.body;
  }
  throw new Error('unreachable');
}

// The back-office page: a small single-page app over the API. Plain DOM, no framework, no build
// step. Every list reads the process and ledger tables through the API, never Temporal.
'use strict';

const KEY = 'spareflow.apiKey';
const API = '..';
const main = document.getElementById('main');
const TYPES = ['dealer-order', 'core-return', 'consumer-order', 'consumer-return', 'dealer-account', 'inbound-receipt', 'stock-count', 'daily-close'];
const BUCKET_COLOURS = { '1-30': '#c98a14', '31-60': '#d86a1e', '61-90': '#c2451f', '90+': '#8e1f1a' };
const SVG = 'http://www.w3.org/2000/svg';
let me = null;

// ---- small helpers --------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** minor units (a decimal string of an integer) as "1234.50"; never through floating point */
function money(minor, currency) {
  if (minor === null || minor === undefined) return '';
  const n = BigInt(minor);
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return `${neg ? '-' : ''}${text}${currency ? ` ${currency}` : ''}`;
}

function age(iso) {
  const ms = Date.now() - Date.parse(iso);
  const h = Math.floor(ms / 3_600_000);
  if (h < 1) return `${Math.max(0, Math.floor(ms / 60_000))} min`;
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY) ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${API}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = text;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (res.status === 401) {
    signOut('the key was not accepted; sign in again');
    throw new ApiError(res.status, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return { status: res.status, body: data };
}

function show(...nodes) {
  main.replaceChildren(...nodes.flat().filter((n) => n !== "" && n !== null && n !== undefined));
}

function failure(err) {
  return el('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? `${err.status}: ${err.message}` : String(err));
}

// ---- sign in --------------------------------------------------------------------------------

const signin = document.getElementById('signin');
const who = document.getElementById('who');
const signoutButton = document.getElementById('signout');

function signOut(message = '') {
  sessionStorage.removeItem(KEY);
  me = null;
  who.textContent = '';
  signoutButton.hidden = true;
  signin.hidden = false;
  document.getElementById('signin-error').textContent = message;
  main.replaceChildren();
}

signin.addEventListener('submit', async (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, document.getElementById('signin-key').value.trim());
  document.getElementById('signin-key').value = '';
  await start();
});
signoutButton.addEventListener('click', () => signOut());

async function start() {
  if (!sessionStorage.getItem(KEY)) return signOut();
  try {
    me = (await api('GET', '/me')).body;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) signOut(String(err.message));
    return;
  }
  signin.hidden = true;
  signoutButton.hidden = false;
  who.textContent = `signed in as ${me.id} (${me.role}${me.dealerId ? `, dealer ${me.dealerId}` : ''})`;
  await route();
}

// ---- the board --------------------------------------------------------------------------------

async function board(params) {
  const filters = el('form', { class: 'filters', id: 'filters' },
    el('label', {}, 'type', el('select', { name: 'type' }, el('option', { value: '' }, 'any'),
      TYPES.map((t) => el('option', { value: t, selected: params.get('type') === t }, t)))),
    el('label', {}, 'status', el('input', { name: 'status', value: params.get('status') ?? '', size: 14 })),
    el('label', {}, 'dealer', el('input', { name: 'dealerId', value: params.get('dealerId') ?? '', size: 14 })),
    el('label', {}, 'business key', el('input', { name: 'q', value: params.get('q') ?? '', size: 20, type: 'search' })),
    el('button', { type: 'submit' }, 'Filter'),
    el('a', { href: '#/board' }, 'clear'));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(filters)) if (String(v).trim()) next.set(k, String(v).trim());
    location.hash = `#/board?${next}`;
  });
  show(el('h1', {}, 'Processes'), filters, el('p', { class: 'muted' }, 'loading…'));

  const query = new URLSearchParams(params);
  if (!query.has('limit')) query.set('limit', '50');
  let page;
  try {
    page = (await api('GET', `/processes?${query}`)).body;
  } catch (err) {
    return show(el('h1', {}, 'Processes'), filters, failure(err));
  }
  const rows = page.items.map((p) => el('tr', { 'data-process': p.id },
    el('td', {}, el('a', { href: `#/process/${encodeURIComponent(p.id)}` }, p.businessKey)),
    el('td', {}, p.type),
    el('td', {}, el('span', { class: 'status' }, p.status)),
    el('td', {}, p.dealerId ?? ''),
    el('td', { title: when(p.createdAt) }, age(p.createdAt)),
    el('td', { class: 'num' }, money(p.amountMinor, p.currency)),
    el('td', { class: 'num' }, String(p.escalationLevel)),
    el('td', { title: when(p.updatedAt) }, age(p.updatedAt))));
  const nextParams = new URLSearchParams(params);
  if (page.next) nextParams.set('after', page.next);
  show(el('h1', {}, 'Processes'), filters,
    el('table', { id: 'board' },
      el('thead', {}, el('tr', {}, ['business key', 'type', 'status', 'dealer', 'age', 'amount', 'escalation', 'last change']
        .map((h, i) => el('th', { class: i === 5 || i === 6 ? 'num' : undefined }, h)))),
      el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'no process matches')))),
    el('p', {},
      params.has('after') ? el('a', { href: `#/board?${(() => { const p = new URLSearchParams(params); p.delete('after'); return p; })()}` }, '« first page') : '',
      ' ',
      page.next ? el('a', { href: `#/board?${nextParams}`, id: 'next-page' }, 'next page »') : el('span', { class: 'muted' }, 'end of the list')));
}

// ---- one process ------------------------------------------------------------------------------

function keyValues(obj) {
  return el('div', { class: 'grid' }, Object.entries(obj).map(([k, v]) => el('div', {}, el('span', {}, k), v === null || v === undefined || v === '' ? '—' : v)));
}

function actionForm(process, action) {
  const body = el('textarea', { rows: 5, name: 'body' }, JSON.stringify(action.example ?? {}, null, 2));
  const result = el('pre', { class: 'result', hidden: true });
  const form = el('form', { class: 'action', 'data-route': `${action.method} ${action.route}` },
    el('h4', {}, action.summary, ' ', el('code', { class: 'muted' }, `${action.method} ${action.path}`)),
    body,
    el('button', { type: 'submit' }, action.summary),
    result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    result.hidden = false;
    let payload;
    try {
      payload = JSON.parse(body.value || '{}');
    } catch {
      result.textContent = 'the body is not valid JSON';
      return;
    }
    try {
      const res = await api(action.method, action.path, payload);
      result.className = 'result ok';
      result.textContent = `${res.status} done\n${JSON.stringify(res.body, null, 2)}`;
      // the process row and timeline may have moved on: show them again, keeping this answer
      await processPage(process.id, { keep: form });
    } catch (err) {
      result.className = 'result error';
      result.textContent = err instanceof ApiError ? `${err.status} ${err.body?.error?.code ?? ''}: ${err.message}` : String(err);
    }
  });
  return form;
}

async function processPage(id, o = {}) {
  let p;
  try {
    p = (await api('GET', `/processes/${encodeURIComponent(id)}`)).body;
  } catch (err) {
    return show(el('h1', {}, id), failure(err));
  }
  const documents = Array.isArray(p.documents) ? p.documents : [];
  const actions = p.actions.map((a) => (o.keep && o.keep.dataset.route === `${a.method} ${a.route}` ? o.keep : actionForm(p, a)));
  show(
    el('p', {}, el('a', { href: '#/board' }, '« board')),
    el('h1', {}, `${p.type} ${p.businessKey}`),
    el('div', { class: 'card', id: 'process-head' }, keyValues({
      status: el('span', { class: 'status', id: 'process-status' }, p.status),
      dealer: p.dealerId, amount: money(p.amountMinor, p.currency), 'escalation level': String(p.escalationLevel),
      due: when(p.dueAt), started: `${when(p.createdAt)} (${age(p.createdAt)} ago)`, 'last change': when(p.updatedAt),
      Temporal: el('a', { href: p.temporalUrl, target: '_blank', rel: 'noopener', id: 'temporal-link' }, 'open in the Temporal UI'),
    })),
    el('div', { class: 'card', id: 'actions' }, el('h3', {}, 'Next actions'),
      actions.length ? actions : el('p', { class: 'muted' }, `no action of the ${me?.role ?? ''} role applies to this process`)),
    el('div', { class: 'card' }, el('h3', {}, 'Timeline'),
      el('table', { id: 'timeline' }, el('thead', {}, el('tr', {}, ['when', 'step', 'actor', 'detail'].map((h) => el('th', {}, h)))),
        el('tbody', {}, p.timeline.map((s) => el('tr', {}, el('td', {}, when(s.at)), el('td', {}, s.step), el('td', {}, s.actor),
          el('td', {}, el('code', {}, JSON.stringify(s.detail)))))))),
    el('div', { class: 'card' }, el('h3', {}, 'Documents'),
      documents.length
        ? el('table', { id: 'documents' }, el('tbody', {}, documents.map((d) => el('tr', {},
          el('td', {}, d?.kind ?? d?.type ?? 'document'), el('td', {}, d?.number ?? d?.no ?? ''), el('td', {}, el('code', {}, JSON.stringify(d)))))))
        : el('p', { class: 'muted' }, 'no documents yet')),
    el('div', { class: 'card' }, el('h3', {}, 'Ledger postings'),
      el('h4', {}, 'money'),
      el('table', { id: 'money-postings' }, el('thead', {}, el('tr', {}, ['journal', 'step', 'date', 'description', 'account', 'amount'].map((h) => el('th', {}, h)))),
        el('tbody', {}, p.postings.money.flatMap((j) => j.lines.map((l, i) => el('tr', {},
          el('td', {}, i === 0 ? `#${j.journalId}${j.reversesId ? ` (reverses #${j.reversesId})` : ''}` : ''),
          el('td', {}, i === 0 ? j.step : ''), el('td', {}, i === 0 ? j.businessDate : ''), el('td', {}, i === 0 ? j.description : ''),
          el('td', {}, l.account), el('td', { class: 'num' }, money(l.amountMinor, l.currency))))))),
      el('h4', {}, 'stock'),
      el('table', { id: 'stock-postings' }, el('thead', {}, el('tr', {}, ['journal', 'step', 'reason', 'document', 'part', 'from', 'to', 'quantity'].map((h) => el('th', {}, h)))),
        el('tbody', {}, p.postings.stock.flatMap((j) => j.moves.map((m, i) => el('tr', {},
          el('td', {}, i === 0 ? `#${j.journalId}` : ''), el('td', {}, i === 0 ? j.step : ''), el('td', {}, i === 0 ? j.reason : ''),
          el('td', {}, i === 0 ? j.documentRef : ''), el('td', {}, m.partNo), el('td', {}, m.from), el('td', {}, m.to),
          el('td', { class: 'num' }, String(m.quantity)))))))),
    el('div', { class: 'card' }, el('h3', {}, 'Summary'), el('pre', { id: 'summary' }, JSON.stringify(p.summary, null, 2))),
  );
}

// ---- charts -----------------------------------------------------------------------------------

/** horizontal stacked bars: rows of { label, parts: [{ key, value }] }, one colour per key */
function stackedBars(rows, colours, o = {}) {
  const width = 960;
  const labelWidth = 160;
  const barHeight = 22;
  const max = o.shares ? 1 : Math.max(1, ...rows.map((r) => r.parts.reduce((s, p) => s + p.value, 0)));
  const chart = svg('svg', { width, height: rows.length * (barHeight + 8) + 10, role: 'img', 'aria-label': o.title ?? 'chart', class: 'chart', id: o.id ?? '' });
  rows.forEach((r, i) => {
    const y = i * (barHeight + 8) + 4;
    const total = r.parts.reduce((s, p) => s + p.value, 0);
    chart.append(svg('text', { x: 0, y: y + 15 }, r.label));
    let x = labelWidth;
    for (const part of r.parts) {
      const share = o.shares ? (total ? part.value / total : 0) : part.value / max;
      const w = share * (width - labelWidth - 260);
      if (w > 0) {
        chart.append(svg('rect', { x, y, width: w, height: barHeight, fill: colours[part.key] ?? '#888', 'data-key': part.key },
          svg('title', {}, `${r.label} ${part.key}: ${o.format ? o.format(part.value) : part.value}`)));
      }
      x += w;
    }
    chart.append(svg('text', { x: x + 6, y: y + 15 }, r.note ?? (o.format ? o.format(total) : String(total))));
  });
  return chart;
}

const legend = (colours) => el('p', { class: 'legend' }, Object.entries(colours).map(([k, c]) => el('span', {}, el('i', { style: `background:${c}` }), k)));

async function arrearsPage() {
  let a;
  try {
    a = (await api('GET', '/overview/arrears')).body;
  } catch (err) {
    return show(el('h1', {}, 'Arrears'), failure(err));
  }
  const currencies = [...new Set(a.byBucket.map((b) => b.currency))];
  const sections = currencies.map((cur) => {
    const asNumber = (minor) => Number(BigInt(minor)) / 100; // for bar lengths only; the labels show exact text
    const bucketRows = a.buckets.map((bucket) => {
      const hit = a.byBucket.find((b) => b.bucket === bucket && b.currency === cur);
      return { label: `${bucket} days`, parts: [{ key: bucket, value: hit ? asNumber(hit.outstandingMinor) : 0 }], note: hit ? `${money(hit.outstandingMinor, cur)} (${hit.invoices})` : '0' };
    });
    const dealers = [...new Set(a.byDealer.filter((d) => d.currency === cur).map((d) => d.dealerId))];
    const dealerRows = dealers.map((dealerId) => {
      const mine = a.byDealer.filter((d) => d.currency === cur && d.dealerId === dealerId);
      const total = mine.reduce((s, d) => s + BigInt(d.outstandingMinor), 0n);
      return { label: dealerId, parts: a.buckets.map((b) => ({ key: b, value: asNumber(mine.find((d) => d.bucket === b)?.outstandingMinor ?? '0') })), note: money(total.toString(), cur) };
    });
    return el('div', { class: 'card' }, el('h3', {}, `Overdue in ${cur}, by ageing bucket`),
      stackedBars(bucketRows, BUCKET_COLOURS, { id: `arrears-buckets-${cur}`, title: `overdue ${cur} by ageing bucket` }),
      el('h3', {}, `by dealer`), legend(BUCKET_COLOURS),
      stackedBars(dealerRows, BUCKET_COLOURS, { id: `arrears-dealers-${cur}`, title: `overdue ${cur} by dealer` }));
  });
  show(el('h1', {}, 'Arrears'),
    sections.length ? sections : el('p', { class: 'muted', id: 'no-arrears' }, 'no invoice is overdue'),
    el('div', { class: 'card' }, el('h3', {}, 'Dealers on credit hold'),
      el('table', { id: 'credit-hold' }, el('thead', {}, el('tr', {}, ['dealer', 'name', 'reason', 'since'].map((h) => el('th', {}, h)))),
        el('tbody', {}, a.creditHold.length ? a.creditHold.map((d) => el('tr', {}, el('td', {}, d.dealerId), el('td', {}, d.name), el('td', {}, d.reason ?? ''), el('td', {}, when(d.since))))
          : el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'no dealer is on credit hold'))))));
}

const DECISION_COLOURS = { approved: '#2e7d4f', rejected: '#b3372e', pending: '#a8b0b8' };

async function warrantyPage() {
  let w;
  try {
    w = (await api('GET', '/overview/warranty-returns?weeks=26')).body;
  } catch (err) {
    return show(el('h1', {}, 'Warranty returns'), failure(err));
  }
  const rows = w.weeks.map((x) => ({
    label: `week of ${x.week}`,
    parts: [{ key: 'approved', value: x.approved }, { key: 'rejected', value: x.rejected }, { key: 'pending', value: x.pending }],
    note: `${x.returns} returns, ${x.cores} cores, ${x.cores ? Math.round((100 * x.approved) / x.cores) : 0}% approved`,
  }));
  show(el('h1', {}, 'Warranty returns'),
    el('div', { class: 'card' }, el('h3', {}, 'Core returns by week: shares of approved and rejected cores'), legend(DECISION_COLOURS),
      rows.length ? stackedBars(rows, DECISION_COLOURS, { shares: true, id: 'warranty-chart', title: 'core decisions by week' }) : el('p', { class: 'muted' }, 'no core return in the last 26 weeks')),
    el('table', { id: 'warranty' }, el('thead', {}, el('tr', {}, ['week', 'returns', 'cores', 'approved', 'rejected', 'pending'].map((h) => el('th', {}, h)))),
      el('tbody', {}, w.weeks.map((x) => el('tr', {}, [x.week, x.returns, x.cores, x.approved, x.rejected, x.pending].map((v) => el('td', {}, String(v))))))));
}

async function stockPage(params) {
  const warehouse = params.get('warehouse') ?? '';
  const q = new URLSearchParams({ limit: '200' });
  if (warehouse) q.set('warehouse', warehouse);
  if (params.get('after')) q.set('after', params.get('after'));
  let s;
  try {
    s = (await api('GET', `/overview/stock?${q}`)).body;
  } catch (err) {
    return show(el('h1', {}, 'Stock'), failure(err));
  }
  const pick = el('select', { id: 'warehouse' }, el('option', { value: '' }, 'every warehouse'),
    ['NEW', 'CORE', 'PROMO'].map((w) => el('option', { value: w, selected: w === warehouse }, w)));
  pick.addEventListener('change', () => { location.hash = `#/stock${pick.value ? `?warehouse=${pick.value}` : ''}`; });
  show(el('h1', {}, 'Stock'),
    el('table', { id: 'stock-totals' }, el('thead', {}, el('tr', {}, ['warehouse', 'parts', 'on hand', 'reserved'].map((h) => el('th', {}, h)))),
      el('tbody', {}, s.byWarehouse.map((t) => el('tr', {}, el('td', {}, t.warehouse), el('td', {}, String(t.parts)), el('td', {}, String(t.onHand)), el('td', {}, String(t.reserved)))))),
    el('p', { class: 'filters' }, el('label', {}, 'warehouse', pick)),
    el('table', { id: 'stock' }, el('thead', {}, el('tr', {}, ['warehouse', 'bin', 'zone', 'part', 'on hand', 'reserved', 'available'].map((h) => el('th', {}, h)))),
      el('tbody', {}, s.items.map((b) => el('tr', {}, el('td', {}, b.warehouse), el('td', {}, b.bin), el('td', {}, b.zone ?? ''), el('td', {}, b.partNo),
        el('td', { class: 'num' }, String(b.onHand)), el('td', { class: 'num' }, String(b.reserved)), el('td', { class: 'num' }, String(b.available)))))),
    s.next ? el('a', { href: `#/stock?${new URLSearchParams({ ...(warehouse ? { warehouse } : {}), after: s.next })}` }, 'next page »') : '');
}

// ---- routing ----------------------------------------------------------------------------------

async function route() {
  if (!me) return;
  const [path, qs] = (location.hash.slice(1) || '/board').split('?');
  const params = new URLSearchParams(qs ?? '');
  document.querySelectorAll('.top nav a').forEach((a) => a.classList.toggle('here', a.getAttribute('href') === `#${path}`));
  if (path.startsWith('/process/')) return processPage(decodeURIComponent(path.slice('/process/'.length)));
  if (path === '/arrears') return arrearsPage();
  if (path === '/warranty') return warrantyPage();
  if (path === '/stock') return stockPage(params);
  return board(params);
}

window.addEventListener('hashchange', () => void route());
void start();

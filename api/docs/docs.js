// The interactive reference: renders /openapi.json and sends a request with the key kept in
// sessionStorage (the same key the back-office page uses). No framework, no network beyond the API.
'use strict';

const KEY = 'spareflow.apiKey';
const main = document.getElementById('main');
const keyInput = document.getElementById('key');
keyInput.value = sessionStorage.getItem(KEY) ?? '';
keyInput.addEventListener('change', () => sessionStorage.setItem(KEY, keyInput.value.trim()));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const pretty = (v) => JSON.stringify(v, null, 2);

function operationView(doc, path, method, op) {
  const params = op.parameters ?? [];
  const inputs = new Map();
  const paramRows = params.map((p) => {
    const input = el('input', { value: p.example ?? '', placeholder: p.schema?.type ?? '', 'data-param': p.name });
    inputs.set(p, input);
    return el('tr', {}, el('td', {}, el('code', {}, p.name)), el('td', {}, p.in), el('td', {}, p.required ? 'required' : ''),
      el('td', {}, el('code', {}, JSON.stringify(p.schema ?? {}))), el('td', {}, input));
  });
  const media = op.requestBody?.content?.['application/json'];
  const body = media ? el('textarea', { rows: 8, class: 'body' }, media.example === undefined ? '{}' : pretty(media.example)) : null;
  const out = el('pre', { class: 'response' });

  async function send() {
    let url = path;
    const query = new URLSearchParams();
    for (const [p, input] of inputs) {
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(input.value));
      else if (input.value !== '') query.set(p.name, input.value);
    }
    const qs = query.toString();
    const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY) ?? ''}` };
    if (body) headers['content-type'] = 'application/json';
    out.textContent = '…';
    const res = await fetch(`..${url}${qs ? `?${qs}` : ''}`, { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
    const text = await res.text();
    let shown = text;
    try { shown = pretty(JSON.parse(text)); } catch { /* not JSON, e.g. /metrics */ }
    out.textContent = `${res.status} ${res.statusText}\n\n${shown}`;
  }

  return el('details', { class: 'op', id: op.operationId },
    el('summary', {}, el('span', { class: `method ${method}` }, method.toUpperCase()), ' ', el('code', {}, path), ' ', op.summary),
    el('p', { class: 'muted' }, op.description ?? ''),
    paramRows.length ? el('table', {}, el('thead', {}, el('tr', {}, ['name', 'in', '', 'schema', 'value'].map((h) => el('th', {}, h)))), el('tbody', {}, paramRows)) : '',
    media ? el('div', {}, el('h4', {}, 'request body'), el('pre', { class: 'schema' }, pretty(media.schema)), el('h4', {}, 'send'), body) : '',
    el('p', {}, el('button', { onclick: () => send().catch((e) => { out.textContent = String(e); }) }, 'Send')),
    out,
    el('h4', {}, 'answers'),
    el('ul', {}, Object.entries(op.responses ?? {}).map(([status, r]) => el('li', {}, el('code', {}, status), ' ', r.description))),
  );
}

async function render() {
  const doc = await (await fetch('../openapi.json')).json();
  main.replaceChildren(el('p', {}, doc.info.description), el('p', { class: 'muted' },
    'Errors always have the shape ', el('code', {}, '{ "error": { "code", "message", "details" } }'), '.'));
  const byTag = new Map();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'api';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationView(doc, path, method, op));
    }
  }
  for (const [tag, views] of byTag) main.append(el('section', {}, el('h2', {}, tag), views));
}

render().catch((e) => main.replaceChildren(el('p', { class: 'error' }, `could not load the document: ${e}`)));

import fs from 'node:fs';

// A small RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF. Each record keeps the
// line number it started on, so a reject can name its row.

export interface CsvRecord {
  row: number;
  values: Record<string, string>;
}

export function readCsv(file: string): { header: string[]; records: CsvRecord[] } {
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else { if (c === '\n') line++; field += c; }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { fields.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== '') rows.push({ line: startLine, fields });
      fields = []; field = ''; line++; startLine = line;
    } else field += c;
  }
  if (field !== '' || fields.length) { fields.push(field); rows.push({ line: startLine, fields }); }
  const [head, ...body] = rows;
  if (!head) return { header: [], records: [] };
  const header = head.fields.map((h) => h.trim());
  return {
    header,
    records: body.map((r) => ({ row: r.line, values: Object.fromEntries(header.map((h, i) => [h, r.fields[i] ?? ''])) })),
  };
}

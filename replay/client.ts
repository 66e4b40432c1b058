import fs from 'node:fs';

// The replay's HTTP client: it talks to the API as the client systems would. A request that
// meets a 5xx or a dropped connection is sent again after a pause (every step the replay takes
// is idempotent on its business key), up to a limit; a 429 waits as its Retry-After says, without
// spending an attempt; other 4xx answers are returned to the caller.
// With REPLAY_REQUEST_LOG set, every attempt is appended to that file as one JSON line: method,
// path, when it was sent and answered (ms since the epoch), the status or the network error, and
// the `id` of a write's answer (the chaos run reads it: scripts/chaos.ts).

export interface LoggedRequest {
  method: string;
  path: string;
  sent: number;
  answered: number;
  status?: number;
  error?: string;
  id?: string;
}

function logRequest(r: LoggedRequest) {
  if (process.env.REPLAY_REQUEST_LOG) fs.appendFileSync(process.env.REPLAY_REQUEST_LOG, `${JSON.stringify(r)}\n`);
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the replay reads the fields it needs
  body: any;
}

export class ApiClient {
  requests = 0;
  retries = 0;
  serverErrors = 0;
  rateLimited = 0;

  constructor(readonly baseUrl: string, private readonly key: string) {}

  async call(method: string, path: string, body?: unknown, o: { key?: string; attempts?: number } = {}): Promise<Answer> {
    const attempts = o.attempts ?? 8;
    let limited = 0;
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      const sent = Date.now();
      try {
        const res = await fetch(this.baseUrl + path, {
          method,
          headers: { authorization: `Bearer ${o.key ?? this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        const id = method !== 'GET' && typeof (parsed as { id?: unknown })?.id === 'string' ? (parsed as { id: string }).id : undefined;
        logRequest({ method, path, sent, answered: Date.now(), status: res.status, ...(id ? { id } : {}) });
        if (res.status === 429 && limited < 30) {
          // the key's requests this minute are used up: wait as told, without spending an attempt
          this.rateLimited++;
          limited++;
          attempt--;
          const after = Number(res.headers.get('retry-after'));
          await new Promise((r) => setTimeout(r, (Number.isFinite(after) && after > 0 ? after * 1000 : 5000) + Math.random() * 1000));
          continue;
        }
        if (res.status >= 500 || res.status === 429) {
          this.serverErrors++;
          if (attempt >= attempts) return { status: res.status, body: parsed };
        } else {
          return { status: res.status, body: parsed };
        }
      } catch (err) {
        logRequest({ method, path, sent, answered: Date.now(), error: String((err as Error).cause ?? (err as Error).message) });
        if (attempt >= attempts) throw err;
      }
      this.retries++;
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
    }
  }

  /** a call that must succeed with one of the given statuses */
  async expect(method: string, path: string, body: unknown, ok: number[], o: { key?: string } = {}): Promise<Answer> {
    const res = await this.call(method, path, body, o);
    if (!ok.includes(res.status)) {
      const msg = typeof res.body === 'object' ? res.body?.error?.message ?? JSON.stringify(res.body) : String(res.body);
      throw new ReplayStepError(`${method} ${path} answered ${res.status}: ${String(msg).slice(0, 300)}`, res.status);
    }
    return res;
  }
}

export class ReplayStepError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

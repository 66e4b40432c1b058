import fs from 'node:fs';

// The replay's HTTP client: it talks to the API as the client systems would. A request that
// meets a 5xx or a dropped connection is sent again after a pause (every step the replay takes
// is idempotent on its business key), up to a limit; a 429 waits as its Retry-After says, without
// spending an attempt; other 4xx answers are returned to the caller.

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
          if (process.env.REPLAY_5XX_LOG) fs.appendFileSync(process.env.REPLAY_5XX_LOG, `${Date.now()}\n`);
          if (attempt >= attempts) return { status: res.status, body: parsed };
        } else {
          return { status: res.status, body: parsed };
        }
      } catch (err) {
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

// The one typed configuration object. Built from the environment once, at the edge of each
// process (API, worker, CLI), and passed down; nothing deeper reads process.env.

export interface Config {
  /** explicit DATABASE_URL, or undefined to let the starter pick local or embedded PostgreSQL */
  databaseUrl: string | undefined;
  /** database name used when DATABASE_URL is not given */
  databaseName: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  port: number;
  host: string;
  adminKey: string | undefined;
  logLevel: string;
  dataDir: string;
  /** the time zone that decides which business day a posting falls into */
  ledgerTimeZone: string;
  /** HTTP body limit for the API */
  bodyLimit: string;
  /** requests per minute per API key */
  rateLimitPerMinute: number;
  /** serve the API's /metrics without a key (for a scraper inside a private network) */
  metricsPublic: boolean;
  /** host:port of the worker's Prometheus endpoint (Temporal SDK and worker metrics); null when off */
  workerMetricsAddress: string | null;
  /** where the notifier delivers arrears reminders and escalations (POST, JSON); none: not sent */
  notifyWebhookUrl: string | undefined;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`configuration ${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const temporalAddress = env.TEMPORAL_ADDRESS || '127.0.0.1:7233';
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    databaseName: env.SPAREFLOW_DB_NAME || 'spareflow',
    temporalAddress,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'spareflow',
    temporalUiUrl: env.TEMPORAL_UI_URL || 'http://127.0.0.1:8233',
    port: int(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    adminKey: env.SPAREFLOW_ADMIN_KEY || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    dataDir: env.SPAREFLOW_DATA_DIR || '.data',
    ledgerTimeZone: env.LEDGER_TIME_ZONE || 'Asia/Shanghai',
    bodyLimit: env.BODY_LIMIT || '1mb',
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 6000),
    metricsPublic: env.SPAREFLOW_METRICS_PUBLIC === '1' || env.SPAREFLOW_METRICS_PUBLIC === 'true',
    workerMetricsAddress: env.WORKER_METRICS_ADDRESS === 'off' ? null : env.WORKER_METRICS_ADDRESS || '127.0.0.1:9464',
    notifyWebhookUrl: env.NOTIFY_WEBHOOK_URL || undefined,
  };
}

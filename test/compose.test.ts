import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

import test from 'ava';
import { parse } from 'yaml';

// No Docker engine runs here: docker-compose.yml and the Dockerfile are checked by structure
// against what the code reads, and by Debian's `docker-compose config` when it is installed.

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  environment?: Record<string, string>;
  ports?: string[];
}

const compose = parse(fs.readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const dependsOn = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));
/** every variable db/config.ts reads */
const configVariables = new Set([...fs.readFileSync('db/config.ts', 'utf8').matchAll(/env\.([A-Z][A-Z0-9_]+)|int\(env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => (m[1] ?? m[2])!));

test('the compose file has PostgreSQL, Temporal on that PostgreSQL, the Temporal UI, the API and the worker', (t) => {
  t.deepEqual(Object.keys(services).sort(), ['api', 'migrate', 'postgres', 'temporal', 'temporal-ui', 'worker']);
  t.regex(services.postgres!.image!, /^postgres:\d+/);
  t.regex(services.temporal!.image!, /^temporalio\/auto-setup:\d/);
  t.is(services.temporal!.environment!.DB, 'postgres12');
  t.is(services.temporal!.environment!.POSTGRES_SEEDS, 'postgres', 'Temporal persists to the postgres service');
  t.true(dependsOn(services.temporal!).includes('postgres'));
  t.regex(services['temporal-ui']!.image!, /^temporalio\/ui:\d/);
  t.is(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
  t.true('pgdata' in (compose.volumes ?? {}), 'the database keeps its data in a volume');
});

test('the API and the worker are built from the Dockerfile and start after the migrations and Temporal', (t) => {
  for (const name of ['api', 'worker', 'migrate']) {
    const s = services[name]!;
    t.is(typeof s.build === 'string' ? s.build : s.build?.context, '.', `${name} is built from the Dockerfile`);
    const entry = s.command?.at(-1) ?? '';
    t.true(fs.existsSync(entry), `${name} runs ${entry}, which exists`);
  }
  t.deepEqual(services.api!.command, ['npx', 'tsx', 'api/main.ts']);
  t.deepEqual(services.worker!.command, ['npx', 'tsx', 'worker/main.ts']);
  for (const name of ['api', 'worker']) {
    t.deepEqual(dependsOn(services[name]!).sort(), ['migrate', 'temporal'], `${name} waits for the schema and Temporal`);
  }
});

test('the services set the variables the code reads, and point them at the other services', (t) => {
  for (const name of ['api', 'worker', 'migrate']) {
    const env = services[name]!.environment!;
    for (const variable of Object.keys(env)) t.true(configVariables.has(variable), `${name} sets ${variable}, which db/config.ts reads`);
    const db = new URL(env.DATABASE_URL!.replace(/\$\{POSTGRES_PASSWORD:-(\w+)\}/, '$1'));
    t.is(db.hostname, 'postgres');
    t.is(db.username, services.postgres!.environment!.POSTGRES_USER ?? '');
    t.is(db.pathname, `/${services.postgres!.environment!.POSTGRES_DB}`);
  }
  for (const name of ['api', 'worker']) t.is(services[name]!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
  t.regex(services.api!.environment!.SPAREFLOW_ADMIN_KEY!, /^\$\{SPAREFLOW_ADMIN_KEY:\?/, 'the admin key must be given, never defaulted');
  t.is(services.api!.environment!.HOST, '0.0.0.0');
  t.true(services.api!.ports!.includes(`127.0.0.1:3000:${services.api!.environment!.PORT}`));
  t.true(services['temporal-ui']!.ports!.includes('127.0.0.1:8233:8080'));
  t.regex(services.worker!.environment!.WORKER_METRICS_ADDRESS!, /:9464$/);
});

test('the Dockerfile installs with npm ci on node 20 and runs the sources with tsx', (t) => {
  const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
  const ignored = fs.readFileSync('.dockerignore', 'utf8').split('\n');

  t.regex(dockerfile, /^FROM node:20[\w.-]*$/m);
  t.regex(dockerfile, /^COPY package\.json package-lock\.json \.\/$/m);
  t.regex(dockerfile, /^RUN npm ci\b/m);
  t.regex(dockerfile, /^CMD \["npx", "tsx", "api\/main\.ts"\]$/m);
  t.true(ignored.includes('node_modules') && ignored.includes('.data') && ignored.includes('.venv'));
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
  t.truthy(pkg.devDependencies.tsx ?? pkg.dependencies.tsx);
});

const dockerCompose = spawnSync('which', ['docker-compose'], { encoding: 'utf8' }).stdout.trim();

test('docker-compose accepts the file, when it is installed', (t) => {
  if (!dockerCompose) {
    t.log('docker-compose is not installed here: only the structural checks above ran');
    t.pass();
    return;
  }
  execFileSync(dockerCompose, ['-f', 'docker-compose.yml', 'config', '-q'], { env: { ...process.env, SPAREFLOW_ADMIN_KEY: 'sf_compose_check_key' }, stdio: 'pipe' });
  t.pass();
});

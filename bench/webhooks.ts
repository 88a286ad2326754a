/**
 * `npm run bench:webhooks` — signed Meta deliveries against our webhook vs a bare endpoint that
 * only verifies the HMAC, both in one child process with the same settings, measured in the same
 * run with autocannon from this (separate) process. Prints both throughputs, the ratio, and our
 * latency (median, p95≈p97.5, p99) at a fixed 500 req/s. Not a test: numbers depend on the machine.
 */
import autocannon, { type Request, type Result } from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestDatabase } from '../test/support/test-database';
import { messengerDelivery, signed } from '../test/support/social-payloads';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensurePostgres } = require(join(__dirname, '..', '..', 'test', 'support', 'postgres-server.js')) as { ensurePostgres(): Promise<string> };

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BODIES = 50_000;

async function main(): Promise<void> {
  process.env.TEST_PG_ADMIN_URL ??= await ensurePostgres();
  const db = await createTestDatabase();
  const child = spawn(process.execPath, [join(__dirname, 'webhooks-server.js')], { env: { ...process.env, BENCH_DATABASE_URL: db.url }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const ports = JSON.parse(line) as { ours: number; bare: number };

    // distinct deliveries (distinct mids and bytes), each correctly signed, cycled through
    const bodies = Array.from({ length: BODIES }, (_, i) => signed(messengerDelivery(`PSID-BENCH-${i % 5000}`, `Reporte de prueba ${i}`, { mid: `m_bench_${i}` })));
    let next = 0;
    const requests: Request[] = [
      {
        method: 'POST',
        path: '/api/v1/webhooks/meta',
        setupRequest: (req: Request): Request => {
          const b = bodies[next++ % bodies.length];
          return { ...req, body: b.raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': b.signature } };
        },
      },
    ];
    const run = (port: number, overallRate?: number): Promise<Result> =>
      autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: DURATION, requests, ...(overallRate ? { overallRate } : {}) });

    await run(ports.bare).catch(() => undefined); // warm-up of both (JIT, pool)
    const warm = await autocannon({ url: `http://127.0.0.1:${ports.ours}`, connections: 10, duration: 3, requests });
    void warm;

    const bare = await run(ports.bare);
    const ours = await run(ports.ours);
    const bareAt500 = await run(ports.bare, 500);
    const oursAt500 = await run(ports.ours, 500);

    const ratio = ours.requests.average / bare.requests.average;
    const line2 = (name: string, r: Result) =>
      `${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(7)} req/s   median ${r.latency.p50} ms   p97.5 ${r.latency.p97_5} ms   p99 ${r.latency.p99} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
    console.log(`\nbench:webhooks — ${CONNECTIONS} connections, ${DURATION} s per run, signed Messenger deliveries (${BODIES} distinct bodies)`);
    console.log(line2('bare HMAC-only endpoint (max)', bare));
    console.log(line2('our /webhooks/meta (max)', ours));
    console.log(line2('bare HMAC-only endpoint @500/s', bareAt500));
    console.log(line2('our /webhooks/meta @500/s', oursAt500));
    console.log(`\nthroughput ratio ours/bare: ${ratio.toFixed(2)} (target ≥ 0.5)`);
    console.log(`our p99 at 500 req/s: ${oursAt500.latency.p99} ms (target ≤ 50 ms); median ${oursAt500.latency.p50} ms`);
    const [{ n }] = (await (async () => {
      const { Client } = await import('pg');
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query(`SELECT count(*)::int AS n FROM social_events`)).rows as Array<{ n: number }>;
      } finally {
        await c.end();
      }
    })()) as Array<{ n: number }>;
    console.log(`deliveries stored durably during the runs: ${n}`);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit').catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});

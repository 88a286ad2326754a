/**
 * Child process of `npm run bench:webhooks`. BENCH_ROLE:
 * - `web` (default): starts, in one process with the same settings, (a) the real service (Meta
 *   webhook: signature check, durable store, 200) and (b) a bare Express endpoint that only verifies
 *   the HMAC and answers 200 (plus GET /bench/stats: this process's CPU time and event-loop delay). BENCH_BACKGROUND_WORKERS=false makes the service web-only (no queue
 *   worker behind the webhook); `true` runs the worker in this same process. Prints one JSON line
 *   with both ports.
 * - `worker`: the service with workers on and no bench endpoint (a separate worker process).
 * SIGINT or SIGTERM closes it cleanly (so `--cpu-prof` can write its profile).
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../src/bootstrap';
import { loadAppConfig } from '../src/config/app-config';
import { verifyMetaSignature } from '../src/intake/social/webhook-signature';
import { META_APP_SECRET } from '../test/support/social-payloads';

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_DATABASE_URL is required');
  const role = process.env.BENCH_ROLE ?? 'web';
  const running = await createApp(
    loadAppConfig({
      DATABASE_URL: databaseUrl,
      META_APP_SECRET,
      LOG_LEVEL: 'silent',
      WEBHOOK_RATE_LIMIT: '10000000', // every request comes from one address: no 429 in the measured runs
      BACKGROUND_WORKERS: role === 'worker' ? 'true' : (process.env.BENCH_BACKGROUND_WORKERS ?? 'false'),
      JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
      ADMIN_EMAIL: 'admin@bench.local',
      ADMIN_PASSWORD: 'Bench-Password-1',
    }),
  );
  let bareServer: import('node:http').Server | null = null;
  const stop = () => {
    bareServer?.close();
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (role === 'worker') {
    process.stdout.write(`${JSON.stringify({ worker: true })}\n`);
    return;
  }

  await running.app.listen(0, '127.0.0.1');
  const ours = (running.app.getHttpServer().address() as AddressInfo).port;

  const bare = express();
  // for the bench's own accounting: this process's CPU time and event-loop delay since the last call
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  bare.get('/bench/stats', (_req, res) => {
    const cpu = process.cpuUsage();
    res.json({ cpuMs: (cpu.user + cpu.system) / 1000, loopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 } });
    loopDelay.reset();
  });
  // only what the HMAC needs: the raw bytes (no JSON parse, as our webhook since it stores raw bodies)
  bare.use(express.raw({ type: 'application/json', limit: '1mb' }));
  bare.post('/api/v1/webhooks/meta', (req, res) => {
    if (!verifyMetaSignature(Buffer.isBuffer(req.body) ? req.body : undefined, req.headers['x-hub-signature-256'], META_APP_SECRET)) {
      res.status(401).end();
      return;
    }
    res.status(200).send('EVENT_RECEIVED');
  });
  bareServer = await new Promise<import('node:http').Server>((resolve) => {
    const s = bare.listen(0, '127.0.0.1', () => resolve(s));
  });
  const barePort = (bareServer.address() as AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ ours, bare: barePort })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});

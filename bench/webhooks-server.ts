/**
 * Child process of `npm run bench:webhooks`: starts, in one process with the same settings,
 * (a) the real service (Meta webhook: signature check, durable store, 200; the queue worker
 * processing behind it) and (b) a bare Express endpoint that only verifies the HMAC and answers 200.
 * Prints one JSON line with both ports.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/bootstrap';
import { loadAppConfig } from '../src/config/app-config';
import { verifyMetaSignature } from '../src/intake/social/webhook-signature';
import { META_APP_SECRET } from '../test/support/social-payloads';

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_DATABASE_URL is required');
  const running = await createApp(
    loadAppConfig({ DATABASE_URL: databaseUrl, META_APP_SECRET, LOG_LEVEL: 'silent', WEBHOOK_RATE_LIMIT: '100000', JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop', ADMIN_EMAIL: 'admin@bench.local', ADMIN_PASSWORD: 'Bench-Password-1' }),
  );
  await running.app.listen(0, '127.0.0.1');
  const ours = (running.app.getHttpServer().address() as AddressInfo).port;

  const bare = express();
  bare.use(express.json({ limit: '1mb', verify: (req, _res, buf) => ((req as unknown as { rawBody: Buffer }).rawBody = buf) }));
  bare.post('/api/v1/webhooks/meta', (req, res) => {
    if (!verifyMetaSignature((req as unknown as { rawBody?: Buffer }).rawBody, req.headers['x-hub-signature-256'], META_APP_SECRET)) {
      res.status(401).end();
      return;
    }
    res.status(200).send('EVENT_RECEIVED');
  });
  const bareServer = await new Promise<import('node:http').Server>((resolve) => {
    const s = bare.listen(0, '127.0.0.1', () => resolve(s));
  });
  const barePort = (bareServer.address() as AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ ours, bare: barePort })}\n`);
  process.on('SIGTERM', () => {
    bareServer.close();
    void running.close().then(() => process.exit(0));
  });
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});

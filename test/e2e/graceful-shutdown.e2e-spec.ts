import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startAppProcess } from '../support/app-process';
import { createTestDatabase } from '../support/test-database';

jest.setTimeout(180_000);

/**
 * SIGTERM (a deploy, `docker stop`): the process closes the app — workers, pools, the embedded
 * database — and exits 0 by itself, instead of being killed by its own signal half-way.
 */
describe('graceful shutdown on SIGTERM', () => {
  // a shutdown that hangs is SIGKILLed after this and fails the test (app.stop); whatever is still
  // running when a test ends (it failed half-way) is SIGKILLed in its `finally`: no orphans
  const GRACE_MS = 30_000;
  const started: AppProcess[] = [];
  const start = async (...args: Parameters<typeof startAppProcess>) => {
    const app = await startAppProcess(...args);
    started.push(app);
    return app;
  };
  it('on PostgreSQL: closes and exits 0', async () => {
    const db = await createTestDatabase();
    try {
      const app = await start({ DATABASE_URL: db.url, JWT_SECRET: 'shutdown-test-secret-0123456789-abcdefghij', LOG_LEVEL: 'silent' });
      expect(await app.stop(GRACE_MS)).toEqual({ code: 0, signal: null });
    } finally {
      await Promise.all(started.splice(0).map((app) => app.kill('SIGKILL')));
      await db.drop();
    }
  });

  it('on the embedded database: stops it cleanly, exits 0, and the next start finds its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enlace-shutdown-'));
    try {
      const env = { DATA_DIR: dir, LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@apagado.mx', ADMIN_PASSWORD: 'Apagado-2026-seguro' };
      const first = await start(env, { readyTimeoutMs: 120_000 });
      expect(await first.stop(GRACE_MS)).toEqual({ code: 0, signal: null });
      const second = await start(env, { readyTimeoutMs: 120_000 });
      const r = await fetch(`${second.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@apagado.mx', password: 'Apagado-2026-seguro' }),
      });
      expect(r.status).toBe(200);
      expect(await second.stop(GRACE_MS)).toEqual({ code: 0, signal: null });
    } finally {
      await Promise.all(started.splice(0).map((app) => app.kill('SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

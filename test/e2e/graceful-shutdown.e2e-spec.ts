import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess } from '../support/app-process';
import { createTestDatabase } from '../support/test-database';

jest.setTimeout(180_000);

/**
 * SIGTERM (a deploy, `docker stop`): the process closes the app — workers, pools, the embedded
 * database — and exits 0 by itself, instead of being killed by its own signal half-way.
 */
describe('graceful shutdown on SIGTERM', () => {
  it('on PostgreSQL: closes and exits 0', async () => {
    const db = await createTestDatabase();
    try {
      const app = await startAppProcess({ DATABASE_URL: db.url, JWT_SECRET: 'shutdown-test-secret-0123456789-abcdefghij', LOG_LEVEL: 'silent' });
      await app.kill('SIGTERM');
      expect({ code: app.child.exitCode, signal: app.child.signalCode }).toEqual({ code: 0, signal: null });
    } finally {
      await db.drop();
    }
  });

  it('on the embedded database: stops it cleanly, exits 0, and the next start finds its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enlace-shutdown-'));
    try {
      const env = { DATA_DIR: dir, LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@apagado.mx', ADMIN_PASSWORD: 'Apagado-2026-seguro' };
      const first = await startAppProcess(env, { readyTimeoutMs: 120_000 });
      await first.kill('SIGTERM');
      expect({ code: first.child.exitCode, signal: first.child.signalCode }).toEqual({ code: 0, signal: null });
      const second = await startAppProcess(env, { readyTimeoutMs: 120_000 });
      try {
        const r = await fetch(`${second.base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'admin@apagado.mx', password: 'Apagado-2026-seguro' }),
        });
        expect(r.status).toBe(200);
      } finally {
        await second.kill('SIGTERM');
      }
      expect(second.child.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { Logger } from '@nestjs/common';
import type { RunningApp } from '../../src/bootstrap';
import { UsersService } from '../../src/users/users.service';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { startAppOnDatabase } from '../support/app-on-database';
import { startTestApp, TEST_ADMIN, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

const GENERATED = /Generated password \(shown only once\): (\S+)/g;

/**
 * Instances starting at once on a database without an active admin each read "no admin" before
 * any of them wrote one: without ADMIN_PASSWORD each printed its own "shown only once" password
 * and only the last one written worked; with it, each logged "reactivated".
 */
describe('first administrator: three instances bootstrapping at once', () => {
  let t: TestApp;
  const others: RunningApp[] = [];
  beforeAll(async () => {
    t = await startTestApp();
    others.push(await startAppOnDatabase(t.running.databaseUrl), await startAppOnDatabase(t.running.databaseUrl));
  });
  afterAll(async () => {
    await Promise.all(others.map((o) => o.close()));
    await t.close();
  });

  /** ensureFirstAdmin on the three instances (three pools) at the same moment */
  const bootstrapAll = async (email?: string, password?: string) => {
    const writes: string[] = [];
    const logs: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(function (message: unknown) {
      logs.push(String(message));
    });
    try {
      const services = [t.app, ...others.map((o) => o.app)].map((a) => a.get(UsersService));
      const settled = await Promise.allSettled(services.map((s) => s.ensureFirstAdmin(email, password)));
      return { settled, out: writes.join(''), logs };
    } finally {
      stdout.mockRestore();
      log.mockRestore();
    }
  };
  const login = (email: string, password: string) => t.http().post('/api/v1/auth/login').send({ email, password });

  it('without ADMIN_PASSWORD: one admin, one password printed, and it works', async () => {
    await t.db.query(`DELETE FROM users`);
    const { settled, out } = await bootstrapAll();
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const printed = [...out.matchAll(GENERATED)].map((m) => m[1]);
    expect(printed).toHaveLength(1);
    expect(out.match(/First administrator created: admin@enlace\.local/g)).toHaveLength(1);
    expect(await t.db.query(`SELECT email, role, active, token_version FROM users`)).toEqual([
      { email: 'admin@enlace.local', role: 'admin', active: true, token_version: 0 },
    ]);
    await login('admin@enlace.local', printed[0]).expect(200);
  });

  it('without ADMIN_PASSWORD, the admin deactivated: reactivated once, with the one password printed', async () => {
    await t.db.query(`UPDATE users SET active = false`);
    const [before] = await t.db.query(`SELECT token_version FROM users WHERE email = 'admin@enlace.local'`);
    const { settled, out } = await bootstrapAll();
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const printed = [...out.matchAll(GENERATED)].map((m) => m[1]);
    expect(printed).toHaveLength(1);
    expect(out).toContain('Administrator reactivated: admin@enlace.local');
    const [after] = await t.db.query(`SELECT token_version, active FROM users WHERE email = 'admin@enlace.local'`);
    expect(after).toEqual({ token_version: before.token_version + 1, active: true });
    await login('admin@enlace.local', printed[0]).expect(200);
  });

  it('with ADMIN_PASSWORD, the configured admin demoted: one instance reactivates it and says so; the others stay quiet', async () => {
    await t.db.query(`DELETE FROM users`);
    await t.db.query(`INSERT INTO users (email, name, role, active, password_hash) VALUES ($1, 'Admin', 'agent', true, 'x')`, [TEST_ADMIN.email]);
    const { settled, out, logs } = await bootstrapAll(TEST_ADMIN.email, TEST_ADMIN.password);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(out).not.toMatch(GENERATED);
    expect(logs.filter((l) => /reactivated/.test(l))).toHaveLength(1);
    expect(logs.filter((l) => /first administrator created/.test(l))).toHaveLength(0);
    expect(await t.db.query(`SELECT role, active, token_version FROM users`)).toEqual([{ role: 'admin', active: true, token_version: 1 }]);
    await login(TEST_ADMIN.email, TEST_ADMIN.password).expect(200);
  });
});

/** The same through `npm start`: three processes on a fresh database, no ADMIN_PASSWORD. */
describe('first administrator: three app processes starting at once on a fresh database', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let apps: AppProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await db?.drop();
  });

  it('prints one generated password in all, and it works on every instance', async () => {
    const env = { DATABASE_URL: db.url, JWT_SECRET: 'first-admin-race-secret-0123456789-abcdefgh', ADMIN_EMAIL: '', ADMIN_PASSWORD: '' };
    apps = await Promise.all([startAppProcess(env), startAppProcess(env), startAppProcess(env)]);
    const printed = apps.flatMap((a) => [...a.output().matchAll(GENERATED)].map((m) => m[1]));
    expect(printed).toHaveLength(1);
    for (const a of apps) {
      const r = await fetch(`${a.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@enlace.local', password: printed[0] }),
      });
      expect(r.status).toBe(200);
    }
  }, 180_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';

// two starts of an embedded (WASM) PostgreSQL, migrations included: slow on a loaded 2-core machine
jest.setTimeout(150_000);

/** Smoke test of the newcomer's default: no DATABASE_URL → embedded PostgreSQL persisted on disk. */
describe('embedded PostgreSQL (no DATABASE_URL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'enlace-embedded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = () =>
    loadAppConfig({
      DATA_DIR: dir,
      JWT_SECRET: 'embedded-test-secret-0123456789-abcdefgh',
      ADMIN_EMAIL: 'admin@embebido.mx',
      ADMIN_PASSWORD: 'Embebido-2026',
      LOG_LEVEL: 'silent',
    });

  it('starts, migrates, serves, and keeps data across a restart', async () => {
    let running = await createApp(config());
    let folio: string;
    try {
      expect(running.embedded).not.toBeNull();
      await request(running.app.getHttpServer()).get('/health/ready').expect(200);
      const login = await request(running.app.getHttpServer()).post('/api/v1/auth/login').send({ email: 'admin@embebido.mx', password: 'Embebido-2026' }).expect(200);
      const auth = { Authorization: `Bearer ${login.body.accessToken}` };
      const created = await request(running.app.getHttpServer())
        .post('/api/v1/tickets')
        .set(auth)
        .send({ subject: 'Fuga de agua', description: 'Fuga frente al número 120 de Venustiano Carranza', channel: 'phone' })
        .expect(201);
      folio = created.body.folio;
      const found = await request(running.app.getHttpServer()).get('/api/v1/tickets').query({ q: 'venustiano' }).set(auth).expect(200);
      expect(found.body.items.map((i: { folio: string }) => i.folio)).toEqual([folio]);
    } finally {
      await running.close();
    }

    running = await createApp(config());
    try {
      const login = await request(running.app.getHttpServer()).post('/api/v1/auth/login').send({ email: 'admin@embebido.mx', password: 'Embebido-2026' }).expect(200);
      const res = await request(running.app.getHttpServer()).get(`/api/v1/tickets/${folio}`).set({ Authorization: `Bearer ${login.body.accessToken}` }).expect(200);
      expect(res.body.subject).toBe('Fuga de agua');
      const users = await running.app.get((await import('typeorm')).DataSource).query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin'`);
      expect(users[0].n).toBe(1);
    } finally {
      await running.close();
    }
  });
});

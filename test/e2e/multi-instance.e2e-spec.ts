import { startAppProcess, AppProcess } from '../support/app-process';
import { createTestDatabase } from '../support/test-database';

/**
 * Several instances (issue 8): two app processes on one database, on different ports, under a
 * mixed load. Both serve the API, share one folio counter and see each other's writes.
 */
describe('two app instances on one database', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: AppProcess;
  let b: AppProcess;
  const env = () => ({
    DATABASE_URL: db.url,
    JWT_SECRET: 'multi-instance-secret-0123456789-abcdefgh',
    ADMIN_EMAIL: 'admin@instancias.mx',
    ADMIN_PASSWORD: 'Instancias-2026',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    // both start at once: migrations and the first admin must not collide
    [a, b] = await Promise.all([startAppProcess(env()), startAppProcess(env())]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await db?.drop();
  });

  it('serves a mixed load from both, with one folio sequence and no lost write', async () => {
    const token = async (p: AppProcess) => {
      const r = await fetch(`${p.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@instancias.mx', password: 'Instancias-2026' }),
      });
      expect(r.status).toBe(200);
      return ((await r.json()) as { accessToken: string }).accessToken;
    };
    const [ta, tb] = await Promise.all([token(a), token(b)]);
    const call = (p: AppProcess, tk: string, path: string, body?: unknown) =>
      fetch(`${p.base}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { Authorization: `Bearer ${tk}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });

    const created = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const [p, tk] = i % 2 ? [a, ta] : [b, tb];
        const r = await call(p, tk, '/api/v1/tickets', { subject: `Reporte ${i}`, description: 'Fuga de agua en la esquina', channel: 'phone' });
        expect(r.status).toBe(201);
        const body = (await r.json()) as { folio: string };
        // read back through the other instance
        const [q, tq] = p === a ? [b, tb] : [a, ta];
        const seen = await call(q, tq, `/api/v1/tickets/${body.folio}`);
        expect(seen.status).toBe(200);
        return body.folio;
      }),
    );
    const seq = created.map((f) => Number(f.split('-')[2])).sort((x, y) => x - y);
    expect(new Set(seq).size).toBe(40);
    expect(seq[39] - seq[0]).toBe(39);

    // concurrent status changes of one ticket from both instances: one wins, the other gets 409
    const folio = created[0];
    const [r1, r2] = await Promise.all([
      call(a, ta, `/api/v1/tickets/${folio}/transitions`, { to: 'in_progress' }),
      call(b, tb, `/api/v1/tickets/${folio}/transitions`, { to: 'in_progress' }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);

    const admins = await (await call(a, ta, '/api/v1/users')).json();
    expect((admins as Array<{ role: string }>).filter((u) => u.role === 'admin')).toHaveLength(1);
  }, 120_000);
});

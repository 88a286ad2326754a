import { startTestApp, TestApp } from '../support/test-app';

/**
 * Two creates of the same unique value at once: the service's "does it exist?" check passes for
 * both, the unique key refuses the second. That one is a 409 naming the field, not a 500.
 * Made deterministic: a transaction of the test inserts the same value and commits only once the
 * request is waiting on it.
 */
describe('racing duplicate creates', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await t.user('admin')).auth;
  });
  afterAll(() => t.close());

  async function raceAgainst(insertSql: string, params: unknown[], send: () => PromiseLike<{ status: number; body: Record<string, unknown> }>) {
    const runner = t.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(insertSql, params);
      const pending = Promise.resolve(send());
      // wait until the request is blocked on our uncommitted row
      for (let i = 0; i < 200; i += 1) {
        const [w] = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
        if (w.n > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await runner.commitTransaction();
      return await pending;
    } finally {
      await runner.release();
    }
  }

  it('POST /users with an email another request is creating', async () => {
    const email = 'carrera@pruebas.slp.gob.mx';
    const res = await raceAgainst(
      `INSERT INTO users (email, name, role, password_hash) VALUES ($1, 'Otro', 'agent', 'x')`,
      [email],
      () => t.http().post('/api/v1/users').set(admin).send({ email, name: 'Carrera', role: 'agent', password: 'Contraseña-Larga-1' }),
    );
    expect({ status: res.status, message: res.body.message, details: res.body.details }).toEqual({
      status: 409,
      message: 'A user with this email already exists',
      details: [{ field: 'email', errors: ['already in use'] }],
    });
  });

  it('PATCH /users/{id} to an email another request is taking', async () => {
    const { user } = await t.user('agent');
    const email = 'renombre@pruebas.slp.gob.mx';
    const res = await raceAgainst(`INSERT INTO users (email, name, role, password_hash) VALUES ($1, 'Otro', 'agent', 'x')`, [email], () =>
      t.http().patch(`/api/v1/users/${user.id}`).set(admin).send({ email }),
    );
    expect(res.status).toBe(409);
    expect(res.body.details).toEqual([{ field: 'email', errors: ['already in use'] }]);
  });

  it('POST /areas with a code another request is creating', async () => {
    const res = await raceAgainst(`INSERT INTO areas (code, name) VALUES ($1, 'Otra')`, ['parques'], () =>
      t.http().post('/api/v1/areas').set(admin).send({ code: 'parques', name: 'Parques y Jardines' }),
    );
    expect({ status: res.status, details: res.body.details }).toEqual({ status: 409, details: [{ field: 'code', errors: ['already in use'] }] });
  });

  it('POST /categories with a code another request is creating', async () => {
    const res = await raceAgainst(`INSERT INTO categories (code, name) VALUES ($1, 'Otra')`, ['arbol-caido'], () =>
      t.http().post('/api/v1/categories').set(admin).send({ code: 'arbol-caido', name: 'Árbol caído' }),
    );
    expect({ status: res.status, details: res.body.details }).toEqual({ status: 409, details: [{ field: 'code', errors: ['already in use'] }] });
  });

  it('parallel POST /users with one email: one 201, the rest 409, no 500', async () => {
    const body = { email: 'paralelo@pruebas.slp.gob.mx', name: 'Paralelo', role: 'agent', password: 'Contraseña-Larga-1' };
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => t.http().post('/api/v1/users').set(admin).send(body)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201).every((s) => s === 409)).toBe(true);
  });
});

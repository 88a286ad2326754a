import { startAppOnDatabase } from '../support/app-on-database';
import { startTestApp, TEST_ADMIN, TestApp } from '../support/test-app';

// SPEC §1/§5: the admin is the system owner; there must always be one that can sign in.
describe('the last active administrator', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const activeAdmins = async (): Promise<number> =>
    Number((await t.db.query(`SELECT count(*) AS n FROM users WHERE role = 'admin' AND active`))[0].n);
  const idOf = async (email: string): Promise<string> => (await t.db.query(`SELECT id FROM users WHERE email = $1`, [email]))[0].id;

  it('cannot be deactivated or demoted, not even by themselves; another admin can', async () => {
    const a = await t.user('admin');
    // two active admins: the configured one can go
    await t.http().patch(`/api/v1/users/${await idOf(TEST_ADMIN.email)}`).set(a.auth).send({ active: false }).expect(200);
    expect(await activeAdmins()).toBe(1);

    const deactivate = await t.http().patch(`/api/v1/users/${a.user.id}`).set(a.auth).send({ active: false }).expect(409);
    expect(deactivate.body.message).toMatch(/last active administrator/i);
    const demote = await t.http().patch(`/api/v1/users/${a.user.id}`).set(a.auth).send({ role: 'agent' }).expect(409);
    expect(demote.body.message).toMatch(/last active administrator/i);
    expect(await activeAdmins()).toBe(1);
    // other edits of the last admin still work
    await t.http().patch(`/api/v1/users/${a.user.id}`).set(a.auth).send({ name: 'Sigue Siendo Admin', role: 'admin', active: true }).expect(200);
  });

  it('two admins removing each other at the same time: one wins, one gets 409', async () => {
    await t.db.query(`UPDATE users SET active = false WHERE role = 'admin'`);
    const a = await t.user('admin');
    const b = await t.user('admin');
    const [ra, rb] = await Promise.all([
      t.http().patch(`/api/v1/users/${b.user.id}`).set(a.auth).send({ active: false }),
      t.http().patch(`/api/v1/users/${a.user.id}`).set(b.auth).send({ role: 'supervisor' }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    expect(await activeAdmins()).toBe(1);
  });

  it.each([
    ['deactivated', `UPDATE users SET active = false WHERE role = 'admin'`],
    ['demoted', `UPDATE users SET role = 'agent' WHERE role = 'admin'`],
  ])('a restart with no active admin (the configured one %s) reactivates the configured admin', async (_how, sql) => {
    await t.db.query(`UPDATE users SET active = true, role = 'admin' WHERE email = $1`, [TEST_ADMIN.email]);
    await t.db.query(sql);
    expect(await activeAdmins()).toBe(0);
    const second = await startAppOnDatabase(t.running.databaseUrl);
    await second.close();
    const [row] = await t.db.query(`SELECT role, active FROM users WHERE email = $1`, [TEST_ADMIN.email]);
    expect(row).toEqual({ role: 'admin', active: true });
    expect(await activeAdmins()).toBe(1);
    await t.http().post('/api/v1/auth/login').send({ email: TEST_ADMIN.email, password: TEST_ADMIN.password }).expect(200);
  });
});

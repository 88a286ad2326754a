import { startTestApp, TestApp } from '../support/test-app';

// Two admins editing one user at once: a password reset must not undo a deactivation committed meanwhile.
describe('concurrent edits of one user (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = (await t.user('admin')).auth;
  });
  afterAll(() => t.close());

  it('keeps a deactivation that commits while a password reset of the same user is under way', async () => {
    const { user } = await t.user('agent');
    const other = t.db.createQueryRunner();
    await other.connect();
    try {
      // another admin's deactivation, not yet committed
      await other.startTransaction();
      await other.query(`UPDATE users SET active = false WHERE id = $1`, [user.id]);
      const reset = t.http().patch(`/api/v1/users/${user.id}`).set(admin).send({ password: 'Nueva-clave-2026' }).then((r) => r);
      // the reset is waiting on that row
      for (let i = 0; i < 100; i++) {
        const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await other.commitTransaction();
      expect((await reset).status).toBe(200);
    } finally {
      await other.release();
    }
    const [row] = await t.db.query(`SELECT active FROM users WHERE id = $1`, [user.id]);
    expect(row.active).toBe(false);
  });
});

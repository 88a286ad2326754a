import { startTestApp, TestApp } from '../support/test-app';

// More quarantined mail than one page: an admin must reach every failure to retry it.
describe('GET /intake/failures paging (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = (await t.user('admin')).auth;
  });
  afterAll(() => t.close());

  it('pages through failures newest first, including those of one batch (same created_at)', async () => {
    // one batch: one transaction, one created_at for all five
    await t.db.query(
      `INSERT INTO intake_failures (channel, mailbox, uidvalidity, uid, external_id, error, raw, raw_size)
       SELECT 'email', 'INBOX', 1, g, '<fallo-' || g || '@correo.mx>', 'poison', NULL, 0 FROM generate_series(1, 5) g`,
    );
    await t.db.query(`INSERT INTO intake_failures (channel, mailbox, uidvalidity, uid, external_id, error, raw, raw_size) VALUES ('email', 'INBOX', 1, 6, '<fallo-6@correo.mx>', 'poison', NULL, 0)`);
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await t.http().get('/api/v1/intake/failures').query({ limit: 2, ...(before ? { before } : {}) }).set(admin).expect(200);
      const items = res.body as Array<{ id: string; externalId: string }>;
      if (!items.length) break;
      seen.push(...items.map((i) => i.externalId));
      before = items[items.length - 1].id;
    }
    expect(seen[0]).toBe('<fallo-6@correo.mx>');
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6].map((g) => `<fallo-${g}@correo.mx>`).sort());
    await t.http().get('/api/v1/intake/failures').query({ before: 'no-es-un-id' }).set(admin).expect(400);
  });
});

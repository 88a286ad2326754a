import { startTestApp, TestApp } from '../support/test-app';

describe('catalogue guards', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await t.user('admin')).auth;
  });
  afterAll(() => t.close());

  const categoryId = async (code: string): Promise<string> => (await t.db.query(`SELECT id FROM categories WHERE code = $1`, [code]))[0].id;
  const fields = (body: { details?: { field: string }[] }) => (body.details ?? []).map((d) => d.field);

  describe("the catch-all category 'otro'", () => {
    it('keeps its code', async () => {
      const otro = await categoryId('otro');
      const res = await t.http().patch(`/api/v1/categories/${otro}`).set(admin).send({ code: 'otros' }).expect(400);
      expect(fields(res.body)).toEqual(['code']);
      const [row] = await t.db.query(`SELECT code, active FROM categories WHERE id = $1`, [otro]);
      expect(row).toEqual({ code: 'otro', active: true });
      // sending its own code, or editing anything else, is fine
      await t.http().patch(`/api/v1/categories/${otro}`).set(admin).send({ code: 'otro', name: 'Otro asunto' }).expect(200);
    });

    it('stays active', async () => {
      const otro = await categoryId('otro');
      const res = await t.http().patch(`/api/v1/categories/${otro}`).set(admin).send({ active: false }).expect(400);
      expect(fields(res.body)).toEqual(['active']);
      expect((await t.db.query(`SELECT active FROM categories WHERE id = $1`, [otro]))[0].active).toBe(true);
    });

    it('other categories may still be renamed and deactivated', async () => {
      const created = await t.http().post('/api/v1/categories').set(admin).send({ code: 'grafiti', name: 'Grafiti' }).expect(201);
      await t.http().patch(`/api/v1/categories/${created.body.id}`).set(admin).send({ code: 'pintas', active: false }).expect(200);
    });
  });
});

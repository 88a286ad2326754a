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
  describe('null is refused where a field may be left out but not cleared, naming the field', () => {
    it.each([
      [{ acceptDays: null }, ['acceptDays']],
      [{ firstResponseDays: null, resolutionDays: null }, ['firstResponseDays', 'resolutionDays']],
      [{ active: null }, ['active']],
      [{ code: null, name: null }, ['code', 'name']],
    ])('PATCH /categories %j', async (body, named) => {
      const id = await categoryId('bache');
      const res = await t.http().patch(`/api/v1/categories/${id}`).set(admin).send(body).expect(400);
      expect(fields(res.body).sort()).toEqual([...named].sort());
    });

    it('POST /categories with a null SLA target', async () => {
      const res = await t.http().post('/api/v1/categories').set(admin).send({ code: 'nulos', name: 'Nulos', acceptDays: null }).expect(400);
      expect(fields(res.body)).toEqual(['acceptDays']);
    });

    it('PATCH /areas {"active":null}', async () => {
      const [area] = await t.db.query(`SELECT id FROM areas LIMIT 1`);
      const res = await t.http().patch(`/api/v1/areas/${area.id}`).set(admin).send({ active: null }).expect(400);
      expect(fields(res.body)).toEqual(['active']);
    });

    it('PATCH /routing-rules {"weight":null,"kind":null,"active":null}', async () => {
      const rule = await t.http().post('/api/v1/routing-rules').set(admin).send({ keyword: 'socavón', categoryId: await categoryId('bache') }).expect(201);
      const res = await t.http().patch(`/api/v1/routing-rules/${rule.body.id}`).set(admin).send({ weight: null, kind: null, active: null }).expect(400);
      expect(fields(res.body).sort()).toEqual(['active', 'kind', 'weight']);
    });
  });

  describe('the first response is due no later than the resolution', () => {
    it('PATCH refuses firstResponseDays > resolutionDays, counting the stored value of the one left out', async () => {
      const id = (await t.http().post('/api/v1/categories').set(admin).send({ code: 'sla-orden', name: 'Orden', firstResponseDays: 2, resolutionDays: 10 }).expect(201)).body.id;
      let res = await t.http().patch(`/api/v1/categories/${id}`).set(admin).send({ firstResponseDays: 11 }).expect(400);
      expect(fields(res.body)).toEqual(['firstResponseDays']);
      res = await t.http().patch(`/api/v1/categories/${id}`).set(admin).send({ resolutionDays: 1 }).expect(400);
      expect(fields(res.body)).toEqual(['firstResponseDays']);
      res = await t.http().patch(`/api/v1/categories/${id}`).set(admin).send({ firstResponseDays: 8, resolutionDays: 7 }).expect(400);
      expect(fields(res.body)).toEqual(['firstResponseDays']);
      await t.http().patch(`/api/v1/categories/${id}`).set(admin).send({ firstResponseDays: 10 }).expect(200);
      expect((await t.db.query(`SELECT first_response_days AS f, resolution_days AS r FROM categories WHERE id = $1`, [id]))[0]).toEqual({ f: 10, r: 10 });
    });

    it('POST refuses it too', async () => {
      const res = await t.http().post('/api/v1/categories').set(admin).send({ code: 'sla-mal', name: 'Mal', firstResponseDays: 9, resolutionDays: 3 }).expect(400);
      expect(fields(res.body)).toEqual(['firstResponseDays']);
    });
  });
});

import { startTestApp, TestApp } from '../support/test-app';

// A deactivated area receives no new tickets: not by capture, PATCH or /assign, nor through a category.
describe('deactivated areas (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let agent: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = (await t.user('admin')).auth;
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  it('refuses to turn tickets over to it, and is not deactivated while active categories route to it', async () => {
    const area = (await t.http().post('/api/v1/areas').set(admin).send({ code: 'mercados', name: 'Mercados' }).expect(201)).body;
    const category = (await t.http().post('/api/v1/categories').set(admin).send({ code: 'puesto-ambulante', name: 'Puesto ambulante', areaId: area.id }).expect(201)).body;
    const refused = await t.http().patch(`/api/v1/areas/${area.id}`).set(admin).send({ active: false }).expect(409);
    expect(refused.body.details).toEqual([expect.objectContaining({ field: 'active' })]);
    await t.http().patch(`/api/v1/categories/${category.id}`).set(admin).send({ active: false }).expect(200);
    await t.http().patch(`/api/v1/areas/${area.id}`).set(admin).send({ active: false }).expect(200);

    const capture = await t.http().post('/api/v1/tickets').set(agent).send({ subject: 'Puesto en la banqueta', description: 'Obstruye el paso', channel: 'phone', areaId: area.id }).expect(400);
    expect(capture.body.details).toEqual([expect.objectContaining({ field: 'areaId' })]);
    const { body: ticket } = await t.http().post('/api/v1/tickets').set(agent).send({ subject: 'Puesto en la banqueta', description: 'Obstruye el paso', channel: 'phone' }).expect(201);
    await t.http().patch(`/api/v1/tickets/${ticket.folio}`).set(agent).send({ areaId: area.id }).expect(400);
    await t.http().post(`/api/v1/tickets/${ticket.folio}/assign`).set(agent).send({ areaId: area.id }).expect(400);
    const other = (await t.http().post('/api/v1/categories').set(admin).send({ code: 'tianguis', name: 'Tianguis', areaId: area.id }).expect(400)).body;
    expect(other.details).toEqual([expect.objectContaining({ field: 'areaId' })]);
  });
});

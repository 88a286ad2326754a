import { startTestApp, TestApp } from '../support/test-app';

describe('citizens', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  const capture = (citizen: Record<string, string>) =>
    t.http().post('/api/v1/tickets').set(agent).send({ subject: 'Poda de árbol', description: 'Ramas sobre los cables', channel: 'phone', citizen }).expect(201);

  it('finds citizens by accent-insensitive name or by contact', async () => {
    const { body } = await capture({ name: 'José Ángel Pérez', email: 'jose.perez@correo.mx', phone: '4441112233' });
    const byName = await t.http().get('/api/v1/citizens').query({ q: 'jose angel' }).set(agent).expect(200);
    expect(byName.body.map((c: { id: string }) => c.id)).toContain(body.citizen.id);
    const byPhone = await t.http().get('/api/v1/citizens').query({ q: '4441112233' }).set(agent).expect(200);
    expect(byPhone.body.map((c: { id: string }) => c.id)).toContain(body.citizen.id);
    const none = await t.http().get('/api/v1/citizens').query({ q: "%' OR 1=1 --" }).set(agent).expect(200);
    expect(none.body).toEqual([]);
  });

  it('finds a citizen by a phone typed as agents type it, and by a social handle or display name', async () => {
    const { body } = await capture({ name: 'Marisol Téllez', phone: '444 123 9876' });
    const ids = async (q: string) => (await t.http().get('/api/v1/citizens').query({ q }).set(agent).expect(200)).body.map((c: { id: string }) => c.id);
    for (const q of ['444 123 9876', '(444) 123-9876', '444-123-9876', '+52 444 123 9876', '4441239876']) expect([q, await ids(q)]).toEqual([q, [body.citizen.id]]);
    await t.db.query(`INSERT INTO citizen_identities (citizen_id, kind, value, handle, display_name) VALUES ($1, 'telegram', '998877661', '@marisol_slp', 'Mari Téllez')`, [body.citizen.id]);
    for (const q of ['@marisol_slp', 'marisol_slp', 'mari tellez']) expect([q, await ids(q)]).toEqual([q, [body.citizen.id]]);
  });

  it('shows a citizen with identities and tickets, 404 for an unknown id', async () => {
    const { body } = await capture({ name: 'Lucía', email: 'lucia@correo.mx' });
    const res = await t.http().get(`/api/v1/citizens/${body.citizen.id}`).set(agent).expect(200);
    expect(res.body.identities).toEqual([expect.objectContaining({ kind: 'email', value: 'lucia@correo.mx' })]);
    expect(res.body.tickets.map((x: { folio: string }) => x.folio)).toEqual([body.folio]);
    await t.http().get('/api/v1/citizens/00000000-0000-4000-8000-000000000000').set(agent).expect(404);
    await t.http().get('/api/v1/citizens/not-a-uuid').set(agent).expect(400);
  });

  it('rectifies name, emails and phones, refusing invalid values and changing nothing', async () => {
    const { body } = await capture({ name: 'Cármen', email: 'carmen@correo.mx' });
    const id = body.citizen.id;
    const bad = await t.http().patch(`/api/v1/citizens/${id}`).set(agent).send({ emails: ['no-es-correo'] }).expect(400);
    expect(bad.body.details[0].field).toBe('emails');
    const ok = await t
      .http()
      .patch(`/api/v1/citizens/${id}`)
      .set(agent)
      .send({ name: 'Carmen Ruiz', emails: ['carmen.ruiz@correo.mx'], phones: ['444 555 6677'] })
      .expect(200);
    expect(ok.body.name).toBe('Carmen Ruiz');
    expect(ok.body.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual([
      'email:carmen.ruiz@correo.mx',
      'phone:+524445556677',
    ]);
  });

  it('refuses to give one citizen an email that belongs to another (merge instead)', async () => {
    const a = await capture({ name: 'A', email: 'dueno@correo.mx' });
    const b = await capture({ name: 'B', email: 'otro@correo.mx' });
    await t.http().patch(`/api/v1/citizens/${b.body.citizen.id}`).set(agent).send({ emails: ['dueno@correo.mx'] }).expect(409);
    const merged = await t.http().post(`/api/v1/citizens/${b.body.citizen.id}/merge`).set(agent).send({ intoCitizenId: a.body.citizen.id }).expect(200);
    expect(merged.body.tickets.map((x: { folio: string }) => x.folio).sort()).toEqual([a.body.folio, b.body.folio].sort());
    expect(merged.body.identities.map((i: { value: string }) => i.value).sort()).toEqual(['dueno@correo.mx', 'otro@correo.mx']);
    // a new report from the merged-away address lands on the survivor
    const again = await capture({ email: 'otro@correo.mx' });
    expect(again.body.citizen.id).toBe(a.body.citizen.id);
    await t.http().post(`/api/v1/citizens/${a.body.citizen.id}/merge`).set(agent).send({ intoCitizenId: a.body.citizen.id }).expect(400);
  });
});

import { startTestApp, TestApp } from '../support/test-app';

// SPEC §5: the press office reads tickets that came from social channels and their public thread.
// A report from another channel merged into a social ticket must stay out of its view.
describe('press office and merged duplicates (real PostgreSQL)', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  let supervisor: Record<string, string>;
  let press: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    agent = (await t.user('agent')).auth;
    supervisor = (await t.user('supervisor')).auth;
    press = (await t.user('press')).auth;
  });
  afterAll(() => t.close());

  const capture = (body: Record<string, unknown>) =>
    t.http().post('/api/v1/tickets').set(agent).send({ subject: 'Bache en Av. Carranza', channel: 'phone', ...body }).expect(201);

  it('shows the press office neither the thread, the files nor the citizen of a non-social duplicate merged into a social ticket', async () => {
    const social = await capture({ description: 'Reporte por Messenger: bache frente a la escuela', citizen: { name: 'Usuario de Messenger' } });
    await t.db.query(`UPDATE tickets SET channel = 'messenger' WHERE folio = $1`, [social.body.folio]);
    const phone = await capture({ description: 'Llamada: el bache ya rompió dos llantas', citizen: { name: 'Josefina Rangel', email: 'josefina.rangel@correo.mx' } });
    const [msg] = await t.db.query(`SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1`, [phone.body.folio]);
    const [file] = await t.db.query(
      `INSERT INTO attachments (message_id, filename, content_type, size_bytes, content, omitted) VALUES ($1, 'ine.jpg', 'image/jpeg', 4, '\\x01020304', false) RETURNING id`,
      [msg.id],
    );
    await t.http().post(`/api/v1/tickets/${phone.body.folio}/merge`).set(supervisor).send({ intoFolio: social.body.folio }).expect(200);

    const byAgent = await t.http().get(`/api/v1/tickets/${social.body.folio}`).set(agent).expect(200);
    expect(byAgent.body.mergedTickets).toEqual([expect.objectContaining({ folio: phone.body.folio, citizen: 'Josefina Rangel' })]);
    expect(byAgent.body.thread.map((m: { bodyText: string }) => m.bodyText)).toContain('Llamada: el bache ya rompió dos llantas');
    await t.http().get(`/api/v1/tickets/${social.body.folio}/attachments/${file.id}`).set(agent).expect(200);

    const byPress = await t.http().get(`/api/v1/tickets/${social.body.folio}`).set(press).expect(200);
    expect(byPress.body.mergedTickets).toEqual([]);
    expect(byPress.body.thread.map((m: { bodyText: string }) => m.bodyText)).toEqual(['Reporte por Messenger: bache frente a la escuela']);
    expect(JSON.stringify(byPress.body)).not.toContain('Josefina');
    await t.http().get(`/api/v1/tickets/${social.body.folio}/attachments/${file.id}`).set(press).expect(404);
    await t.http().get(`/api/v1/tickets/${phone.body.folio}`).set(press).expect(404);
  });
});

import { startTestApp, TestApp } from '../support/test-app';

// A double click or a proxy retrying POST /replies must not send the citizen the same text twice.
describe('agent replies with Idempotency-Key (real PostgreSQL)', () => {
  let t: TestApp;
  let agent: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ MAIL_FROM: 'notificaciones@sanluis.gob.mx' });
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  it('answers a repeated reply with the first one, once on the thread and once in the outbox', async () => {
    const { body: ticket } = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent)
      .send({ subject: 'Fuga en Av. Universidad', description: 'Fuga de agua', channel: 'phone', citizen: { name: 'Rosa', email: 'rosa.fuga@correo.mx' } })
      .expect(201);
    const send = (body: string, key?: string) => {
      const req = t.http().post(`/api/v1/tickets/${ticket.folio}/replies`).set(agent);
      return (key ? req.set('Idempotency-Key', key) : req).send({ body });
    };
    const [a, b] = await Promise.all([send('Ya va la cuadrilla.', 'respuesta-0001'), send('Ya va la cuadrilla.', 'respuesta-0001')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.id).toBe(a.body.id);
    const replies = async () =>
      (await t.db.query(`SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1 AND m.meta->>'reply' = 'true'`, [ticket.folio])).length;
    expect(await replies()).toBe(1);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = $1 AND o.kind <> 'acknowledgement'`, [ticket.folio]);
    expect(n).toBe(1);
    // the same key for another text is a mistake, not a retry
    const clash = await send('Otro texto', 'respuesta-0001').expect(409);
    expect(clash.body.message).toMatch(/Idempotency-Key/);
    await send('x', 'corta').expect(400);
    // without a key, two replies are two replies
    await send('Mañana temprano.').expect(201);
    await send('Mañana temprano.').expect(201);
    expect(await replies()).toBe(3);
    const detail = await t.http().get(`/api/v1/tickets/${ticket.folio}`).set(agent).expect(200);
    expect(JSON.stringify(detail.body)).not.toContain('respuesta-0001');
  });
});

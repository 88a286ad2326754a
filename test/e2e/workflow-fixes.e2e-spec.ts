// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(60_000);

describe('workflow fixes (real PostgreSQL)', () => {
  let t: TestApp;
  let agent: { auth: Record<string, string>; user: { id: string } };
  let supervisor: { auth: Record<string, string>; user: { id: string } };
  let areaId: string;

  beforeAll(async () => {
    t = await startTestApp({ MAIL_FROM: 'notificaciones@sanluis.gob.mx' });
    agent = await t.user('agent');
    supervisor = await t.user('supervisor');
    [{ id: areaId }] = await t.db.query(`SELECT id FROM areas WHERE active ORDER BY name LIMIT 1`);
  });
  afterAll(() => t.close());

  /** A phone report with no words the keyword routing knows: no category, no area. */
  const capture = async (citizen: Record<string, string> = { name: 'Rosa Elena Martínez', phone: '444 123 4567' }, extra: Record<string, unknown> = {}) => {
    const res = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent.auth)
      .send({ subject: 'Consulta general', description: 'Quiere saber a quién dirigirse.', channel: 'phone', citizen, ...extra })
      .expect(201);
    return res.body as { folio: string; status: string; area: unknown; assignee: unknown };
  };
  const ticketRow = async (folio: string) =>
    (await t.db.query(`SELECT id, status, area_id, assignee_id, public_token FROM tickets WHERE folio = $1`, [folio]))[0] as {
      id: string;
      status: string;
      area_id: string | null;
      assignee_id: string | null;
      public_token: string;
    };

  describe('POST /tickets/{folio}/assign never leaves a Turnado ticket with nobody on it', () => {
    it('refuses areaId: null (400 naming areaId); the ticket keeps its area', async () => {
      const { folio } = await capture();
      const assigned = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(agent.auth).send({ areaId }).expect(200);
      expect(assigned.body.status).toBe('assigned');
      const res = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(agent.auth).send({ areaId: null }).expect(400);
      expect(JSON.stringify(res.body)).toContain('areaId');
      expect(await ticketRow(folio)).toMatchObject({ status: 'assigned', area_id: areaId });
    });

    it('refuses (409) un-assigning the only person on a Turnado ticket without area; keeps it when an area holds it', async () => {
      const { folio } = await capture();
      await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: agent.user.id }).expect(200);
      expect(await ticketRow(folio)).toMatchObject({ status: 'assigned', area_id: null, assignee_id: agent.user.id });
      const res = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: null }).expect(409);
      expect(res.body.message).toMatch(/areaId/);
      expect(await ticketRow(folio)).toMatchObject({ status: 'assigned', area_id: null, assignee_id: agent.user.id });
      const [{ n }] = await t.db.query(
        `SELECT count(*)::int AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.folio = $1 AND e.type = 'assigned'`,
        [folio],
      );
      expect(n).toBe(1);

      // with an area on it, the person may go: still Turnado, to the area
      await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ areaId }).expect(200);
      const ok = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: null }).expect(200);
      expect(ok.body.status).toBe('assigned');
      expect(await ticketRow(folio)).toMatchObject({ status: 'assigned', area_id: areaId, assignee_id: null });
    });

    it('un-assigning a new ticket without area still leaves it new', async () => {
      const { folio } = await capture();
      const res = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: null }).expect(200);
      expect(res.body.status).toBe('new');
    });
  });
  describe('a reply that cannot reach the citizen says so', () => {
    const reply = (folio: string, body: Record<string, unknown>) => t.http().post(`/api/v1/tickets/${folio}/replies`).set(agent.auth).send(body).expect(201);
    const repliedEvent = async (messageId: string) =>
      (await t.db.query(`SELECT data FROM ticket_events WHERE type = 'replied' AND data->>'messageId' = $1`, [messageId]))[0].data as Record<string, unknown>;

    it('phone report, citizen with no email and no social network: delivery failed with the reason; the event says not delivered', async () => {
      const { folio } = await capture({ name: 'Jesús Ramírez', phone: '444 765 4321' });
      const res = await reply(folio, { body: 'Ya enviamos una cuadrilla.' });
      expect(res.body.delivery).toEqual({ state: 'failed', attempts: 0, lastError: 'El ciudadano no tiene correo ni red social registrados' });
      const event = await repliedEvent(res.body.id);
      expect(event).toMatchObject({ notifyCitizen: false, notDelivered: 'El ciudadano no tiene correo ni red social registrados' });
      // nothing was queued for anyone, and the thread shows the agent the same
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE message_id = $1`, [res.body.id]);
      expect(n).toBe(0);
      const detail = await t.http().get(`/api/v1/tickets/${folio}`).set(agent.auth).expect(200);
      const onThread = JSON.stringify(detail.body);
      expect(onThread).toContain('El ciudadano no tiene correo ni red social registrados');
    });

    it('a report with no citizen at all says so too', async () => {
      const res0 = await t
        .http()
        .post('/api/v1/tickets')
        .set(agent.auth)
        .send({ subject: 'Consulta anónima', description: 'Llamada sin datos de contacto.', channel: 'walk_in' })
        .expect(201);
      const res = await reply(res0.body.folio, { body: 'Gracias por su reporte.' });
      expect(res.body.delivery).toMatchObject({ state: 'failed', lastError: 'El reporte no tiene datos de contacto del ciudadano' });
    });

    it('unchanged: a reply only recorded (notifyCitizen false), and one to a citizen with an email (queued)', async () => {
      const { folio } = await capture({ name: 'Jesús Ramírez', phone: '444 765 4322' });
      const recorded = await reply(folio, { body: 'Se le explicó por teléfono.', notifyCitizen: false });
      expect(recorded.body.delivery).toBeNull();
      expect(await repliedEvent(recorded.body.id)).toEqual({ messageId: recorded.body.id, notifyCitizen: false });

      const withEmail = await capture({ name: 'Lucía Gómez', phone: '444 765 4323', email: 'lucia.gomez@correo.mx' });
      const sent = await reply(withEmail.folio, { body: 'Ya enviamos una cuadrilla.' });
      expect(sent.body.delivery).toMatchObject({ state: 'queued' });
      expect(await repliedEvent(sent.body.id)).toEqual({ messageId: sent.body.id, notifyCitizen: true });
    });

    it('a citizen whose only email bounces: failed, naming the bounced address as the reason', async () => {
      const { folio } = await capture({ name: 'Pedro Salas', email: 'pedro.rebota@correo.mx' });
      await t.db.query(`UPDATE citizen_identities SET undeliverable = true WHERE value = 'pedro.rebota@correo.mx'`);
      const res = await reply(folio, { body: 'Ya enviamos una cuadrilla.' });
      expect(res.body.delivery).toMatchObject({ state: 'failed', lastError: 'El correo del ciudadano está marcado como no entregable y el ciudadano no tiene red social registrada' });
    });
  });
  describe('staff capture with a reused Idempotency-Key', () => {
    const post = (key: string, body: Record<string, unknown>) => t.http().post('/api/v1/tickets').set(agent.auth).set('Idempotency-Key', key).send(body);
    const report = { subject: 'Luminaria apagada en Calle Zaragoza', description: 'Frente al número 120, lleva una semana apagada.', channel: 'phone', citizen: { name: 'Ana', phone: '444 111 2233' } };

    it('the same request again answers the first ticket; a different one is a 409, and no ticket is made', async () => {
      const first = await post('captura-0001', report).expect(201);
      const again = await post('captura-0001', report).expect(201);
      expect(again.body.folio).toBe(first.body.folio);

      const other = await post('captura-0001', { ...report, subject: 'Bache en Av. Carranza', description: 'Un bache grande frente al mercado.' }).expect(409);
      expect(other.body.message).toMatch(/Idempotency-Key/);
      expect(JSON.stringify(other.body)).toContain(first.body.folio);
      await post('captura-0001', { ...report, description: 'Frente al número 122.' }).expect(409);
      await post('captura-0001', { ...report, channel: 'walk_in' }).expect(409);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE external_id LIKE 'capture:%:captura-0001'`);
      expect(n).toBe(1);

      // two at once with the same key and the same report: one ticket
      const [a, b] = await Promise.all([post('captura-0002', report), post('captura-0002', report)]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.body.folio).toBe(a.body.folio);
      // a key is the user's own: another agent's same key is another report
      const other2 = await t.user('agent');
      const theirs = await t.http().post('/api/v1/tickets').set(other2.auth).set('Idempotency-Key', 'captura-0001').send({ ...report, subject: 'Otro reporte' }).expect(201);
      expect(theirs.body.folio).not.toBe(first.body.folio);
    });
  });
  describe('the status page tells each citizen how to add information the way they can', () => {
    const EMAIL_SENTENCE = 'responda al correo que le enviamos';
    const pageOf = async (folio: string) => {
      const { public_token: token } = await ticketRow(folio);
      const html = (await t.http().get(`/seguimiento/${folio}`).query({ token }).expect(200)).text;
      const json = (await t.http().get(`/api/v1/public/tickets/${folio}`).query({ token }).expect(200)).body;
      return { html, json };
    };

    it('a report the press office forwarded from Facebook: the same conversation or post on Facebook, never "the email we sent"', async () => {
      const press = await t.user('press');
      const res = await t
        .http()
        .post('/api/v1/intake/forwarded')
        .set(press.auth)
        .field('network', 'facebook')
        .field('authorName', 'Vecina de Tequis')
        .field('url', 'https://www.facebook.com/sanluis/posts/123456789')
        .field('text', 'No pasa el camión de la basura desde el lunes')
        .expect(201);
      const { html, json } = await pageOf(res.body.folio);
      expect(html).not.toContain(EMAIL_SENTENCE);
      expect(html).toContain(`Si desea agregar información, escríbanos por Facebook, en la misma conversación o publicación donde nos hizo llegar su reporte, e indique su folio ${res.body.folio}.`);
      expect(json).toMatchObject({ addInformationBy: 'social', network: 'Facebook' });
    });

    it('a phone report without email: call the office with the folio; with an email: answer the email', async () => {
      const { folio } = await capture({ name: 'Jesús Ramírez', phone: '444 765 4330' });
      const { html, json } = await pageOf(folio);
      expect(html).not.toContain(EMAIL_SENTENCE);
      expect(html).toContain(`Si desea agregar información, comuníquese con Atención Ciudadana e indique su folio ${folio}.`);
      expect(json).toMatchObject({ addInformationBy: 'office', network: null });

      const withEmail = await capture({ name: 'Lucía Gómez', email: 'lucia.pagina@correo.mx' });
      const mail = await pageOf(withEmail.folio);
      expect(mail.html).toContain('Si desea agregar información, responda al correo que le enviamos sobre este reporte, sin cambiar el asunto.');
      expect(mail.json).toMatchObject({ addInformationBy: 'email', network: null });
    });
  });
});
